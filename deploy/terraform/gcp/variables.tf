variable "project_id" {
  description = "Project that runs the bot (Cloud Run, Firestore, Pub/Sub, Secret Manager)."
  type        = string
}

variable "organization_id" {
  description = "Numeric organization id: the log sink reads its audit logs and the bot remediates under it."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run service and the Firestore database."
  type        = string
  default     = "europe-west1"
}

variable "image" {
  description = "Container image of the bot (built from the repository's Dockerfile)."
  type        = string
}

variable "min_replicas" {
  description = "Cloud Run instances kept warm, so a card never waits for a cold start."
  type        = number
  default     = 2
}

variable "max_replicas" {
  description = "Upper bound on Cloud Run instances; replicas share Firestore, so any number is safe."
  type        = number
  default     = 10
}

variable "public_url" {
  description = "Public URL the bot is reached at (PUBLIC_URL: links on cards, Slack and Teams endpoints). Empty: the Cloud Run URL."
  type        = string
  default     = ""
}

variable "remediation_mode" {
  description = "REMEDIATION_MODE of the bot: dry-run (plans shown, nothing executed) or enforce (approved or automatic plans change cloud IAM)."
  type        = string
  default     = "dry-run"
  validation {
    condition     = contains(["dry-run", "enforce"], var.remediation_mode)
    error_message = "remediation_mode must be dry-run or enforce."
  }
}

variable "auto_remediate" {
  description = "AUTO_REMEDIATE of the bot: run playbooks without a button press above AUTO_REMEDIATE_THRESHOLD."
  type        = bool
  default     = false
}

variable "aws_assume_role_arn_template" {
  description = "AWS_ASSUME_ROLE_ARN_TEMPLATE: the remediator role in each AWS account, {account} replaced (the aws module's remediator_role_arn_template). Empty: no AWS remediation."
  type        = string
  default     = ""
}

variable "slack_incident_channel" {
  description = "Slack channel id the incident cards go to (SLACK_INCIDENT_CHANNEL)."
  type        = string
  default     = ""
}

variable "secret_names" {
  description = "Secret Manager secrets (already holding a version) mounted as environment variables of the same name."
  type        = set(string)
  default = [
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "TEAMS_APP_PASSWORD",
    "SAILPOINT_WEBHOOK_SECRET",
    "ISC_CLIENT_SECRET",
    "LINK_SIGNING_SECRET",
  ]
}

variable "push_max_delivery_attempts" {
  description = "Deliveries of one audit-log message before Pub/Sub moves it to the dead-letter topic."
  type        = number
  default     = 10
}

variable "memory" {
  description = "Memory per Cloud Run instance. The image caps the JS heap at 1536 MiB (Dockerfile); keep at least 2Gi."
  type        = string
  default     = "2Gi"
}

variable "cpu" {
  description = "vCPUs per Cloud Run instance (2: the webhook answers while the worker analyses)."
  type        = string
  default     = "2"
}
