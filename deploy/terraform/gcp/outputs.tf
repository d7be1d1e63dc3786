output "service_url" {
  description = "URL of the bot on Cloud Run: the Slack request URL is this plus /slack/events, Teams' messaging endpoint this plus /api/messages."
  value       = google_cloud_run_v2_service.bot.uri
}

output "bot_service_account" {
  description = "Email of the bot's service account (the identity its remediations are audited under)."
  value       = google_service_account.bot.email
}

output "push_service_account" {
  description = "Email that signs the Pub/Sub push tokens; the bot's PUBSUB_SERVICE_ACCOUNT."
  value       = google_service_account.push.email
}

output "bot_service_account_unique_id" {
  description = "Numeric unique id of the bot's service account: the audience AWS's web-identity trust checks (aws module's google_service_account_unique_id)."
  value       = google_service_account.bot.unique_id
}

output "audit_topic" {
  description = "Pub/Sub topic the organization's audit-log sink publishes to."
  value       = google_pubsub_topic.audit.id
}
