output "bot_role_arn" {
  description = "Role the bot's Google identity assumes with web identity federation (AWS_ROLE_ARN of the bot)."
  value       = aws_iam_role.bot.arn
}

output "remediator_role_arn_template" {
  description = "The bot's AWS_ASSUME_ROLE_ARN_TEMPLATE: the remediator role in any account, {account} replaced."
  value       = "arn:aws:iam::{account}:role/${var.remediator_role_name}"
}

output "remediator_policy_json" {
  description = "The remediator's policy, to create the same role in other accounts (StackSets, or this module per account)."
  value       = data.aws_iam_policy_document.remediator.json
}

output "dead_letter_queue_url" {
  description = "SQS queue holding events EventBridge could not deliver after its retries."
  value       = aws_sqs_queue.dead_letter.id
}
