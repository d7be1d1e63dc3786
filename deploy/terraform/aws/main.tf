data "aws_caller_identity" "current" {}

locals {
  # Exactly the actions the remediation executors call, execute and undo
  # (remediation/requiredPermissions.ts REQUIRED_AWS_ACTIONS; a test keeps them equal).
  remediation_actions = [
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:DeleteGroupPolicy",
    "iam:DeleteLoginProfile",
    "iam:DeleteRolePolicy",
    "iam:DeleteUserPolicy",
    "iam:DetachGroupPolicy",
    "iam:DetachRolePolicy",
    "iam:DetachUserPolicy",
    "iam:GetGroupPolicy",
    "iam:GetLoginProfile",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:GetUserPolicy",
    "iam:ListAccessKeys",
    "iam:ListAttachedGroupPolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListAttachedUserPolicies",
    "iam:ListGroupsForUser",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:RemoveUserFromGroup",
    "iam:UpdateAccessKey",
    "iam:UpdateAssumeRolePolicy",
    "s3:DeleteBucketPolicy",
    "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
  ]
}

# --- Event delivery: CloudTrail management events → EventBridge → API destination → bot ---

resource "aws_cloudwatch_event_connection" "bot" {
  name               = "iam-immune"
  description        = "Authenticates EventBridge to IAM Immune with the shared API key."
  authorization_type = "API_KEY"
  auth_parameters {
    api_key {
      key   = "x-api-key"
      value = var.eventbridge_api_key
    }
  }
}

resource "aws_cloudwatch_event_api_destination" "bot" {
  name                             = "iam-immune"
  description                      = "IAM Immune's AWS webhook."
  invocation_endpoint              = "${trimsuffix(var.bot_url, "/")}/events/aws"
  http_method                      = "POST"
  invocation_rate_limit_per_second = var.invocation_rate_per_second
  connection_arn                   = aws_cloudwatch_event_connection.bot.arn
}

resource "aws_cloudwatch_event_rule" "cloudtrail" {
  name        = "iam-immune-cloudtrail"
  description = "Identity-relevant CloudTrail management events, successful or denied."
  event_pattern = jsonencode({
    "detail-type" = ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"]
    detail = {
      eventSource = var.event_sources
    }
  })
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "iam-immune-events-dead-letter"
  message_retention_seconds = 1209600
}

resource "aws_cloudwatch_event_target" "bot" {
  rule     = aws_cloudwatch_event_rule.cloudtrail.name
  arn      = aws_cloudwatch_event_api_destination.bot.arn
  role_arn = aws_iam_role.eventbridge_invoke.arn
  retry_policy {
    maximum_event_age_in_seconds = 86400
    maximum_retry_attempts       = 185
  }
  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

data "aws_iam_policy_document" "dead_letter" {
  statement {
    sid       = "EventBridgeDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.cloudtrail.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.dead_letter.json
}

data "aws_iam_policy_document" "eventbridge_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "eventbridge_invoke" {
  name               = "iam-immune-eventbridge-invoke"
  assume_role_policy = data.aws_iam_policy_document.eventbridge_trust.json
}

data "aws_iam_policy_document" "eventbridge_invoke" {
  statement {
    actions   = ["events:InvokeApiDestination"]
    resources = [aws_cloudwatch_event_api_destination.bot.arn]
  }
}

resource "aws_iam_role_policy" "eventbridge_invoke" {
  name   = "invoke-iam-immune"
  role   = aws_iam_role.eventbridge_invoke.id
  policy = data.aws_iam_policy_document.eventbridge_invoke.json
}

# --- Remediation: the bot's role (trusting its Google identity) and the remediator role ---

data "aws_iam_policy_document" "bot_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["accounts.google.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "accounts.google.com:aud"
      values   = [var.google_service_account_unique_id]
    }
  }
}

resource "aws_iam_role" "bot" {
  name                 = "iam-immune-bot"
  description          = "IAM Immune's identity in AWS: may only assume the remediator roles."
  assume_role_policy   = data.aws_iam_policy_document.bot_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "bot" {
  statement {
    sid       = "AssumeRemediator"
    actions   = ["sts:AssumeRole"]
    resources = ["arn:aws:iam::*:role/${var.remediator_role_name}"]
  }
}

resource "aws_iam_role_policy" "bot" {
  name   = "assume-remediator"
  role   = aws_iam_role.bot.id
  policy = data.aws_iam_policy_document.bot.json
}

data "aws_iam_policy_document" "remediator_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.bot.arn]
    }
  }
}

resource "aws_iam_role" "remediator" {
  name                 = var.remediator_role_name
  description          = "Assumed by IAM Immune to revoke grants, block public buckets, disable keys and quarantine identities."
  assume_role_policy   = data.aws_iam_policy_document.remediator_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "remediator" {
  statement {
    sid       = "IamImmuneExecutors"
    actions   = local.remediation_actions
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "remediator" {
  name   = "iam-immune-executors"
  role   = aws_iam_role.remediator.id
  policy = data.aws_iam_policy_document.remediator.json
}
