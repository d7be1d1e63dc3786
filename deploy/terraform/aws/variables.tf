variable "region" {
  description = "Region of the EventBridge rule. IAM, STS and CloudTrail's own events arrive in us-east-1, so that is the default."
  type        = string
  default     = "us-east-1"
}

variable "bot_url" {
  description = "Base URL of the bot (the gcp module's service_url, or PUBLIC_URL); events go to this plus /events/aws."
  type        = string
}

variable "eventbridge_api_key" {
  description = "Shared secret the API destination sends in the x-api-key header; the bot's EVENTBRIDGE_API_KEY. Pass it from a secret store, never commit it."
  type        = string
  sensitive   = true
}

variable "invocation_rate_per_second" {
  description = "Most events per second EventBridge sends to the bot; beyond it EventBridge queues and retries."
  type        = number
  default     = 300
}

variable "google_service_account_unique_id" {
  description = "Numeric unique id of the bot's Google service account (the gcp module's bot_service_account_unique_id): the bot role trusts Google-signed tokens for it."
  type        = string
}

variable "remediator_role_name" {
  description = "Name of the role the bot assumes in each account it remediates (create it there with this module's remediator_policy_json, or with this module in that account)."
  type        = string
  default     = "iam-immune-remediator"
}

variable "event_sources" {
  description = "CloudTrail event sources whose management events go to the bot."
  type        = list(string)
  default = [
    "iam.amazonaws.com",
    "sts.amazonaws.com",
    "signin.amazonaws.com",
    "s3.amazonaws.com",
    "ec2.amazonaws.com",
    "rds.amazonaws.com",
    "kms.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "guardduty.amazonaws.com",
    "config.amazonaws.com",
    "organizations.amazonaws.com",
  ]
}
