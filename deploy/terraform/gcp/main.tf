locals {
  # Cloud Audit Log entries that can change who holds access: IAM policy writes, service
  # account and key lifecycle, custom roles, logging configuration, and denied calls (probing).
  audit_filter = join(" OR ", [
    "protoPayload.methodName:\"SetIamPolicy\"",
    "protoPayload.methodName:\"setIamPermissions\"",
    "protoPayload.serviceName=\"iam.googleapis.com\"",
    "protoPayload.serviceName=\"iamcredentials.googleapis.com\"",
    "protoPayload.serviceName=\"cloudresourcemanager.googleapis.com\"",
    "protoPayload.methodName:\"ConfigServiceV2\"",
    "protoPayload.status.code=7",
  ])

  # Exactly the permissions the remediation executors call, execute and undo
  # (remediation/requiredPermissions.ts REQUIRED_GCP_PERMISSIONS; a test keeps them equal).
  remediation_permissions = [
    "iam.roles.create",
    "iam.roles.delete",
    "iam.serviceAccountKeys.disable",
    "iam.serviceAccountKeys.enable",
    "iam.serviceAccountKeys.get",
    "iam.serviceAccounts.disable",
    "iam.serviceAccounts.enable",
    "iam.serviceAccounts.get",
    "resourcemanager.folders.getIamPolicy",
    "resourcemanager.folders.setIamPolicy",
    "resourcemanager.organizations.getIamPolicy",
    "resourcemanager.organizations.setIamPolicy",
    "resourcemanager.projects.getIamPolicy",
    "resourcemanager.projects.setIamPolicy",
    "storage.buckets.getIamPolicy",
    "storage.buckets.setIamPolicy",
  ]
}

resource "google_project_service" "apis" {
  for_each = toset([
    "run.googleapis.com",
    "firestore.googleapis.com",
    "pubsub.googleapis.com",
    "secretmanager.googleapis.com",
    "iam.googleapis.com",
    "cloudresourcemanager.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}

# The bot's own identity: runs the Cloud Run service.
resource "google_service_account" "bot" {
  account_id   = "iam-immune"
  display_name = "IAM Immune bot"
  description  = "Reads Firestore and its secrets; remediates through the iamImmuneRemediator custom role."
}

# Signs the OIDC tokens Pub/Sub attaches to each push (PUBSUB_SERVICE_ACCOUNT).
resource "google_service_account" "push" {
  account_id   = "iam-immune-push"
  display_name = "IAM Immune Pub/Sub push"
}

# A custom role with exactly the executors' permissions, rather than broad predefined roles.
resource "google_organization_iam_custom_role" "remediator" {
  org_id      = var.organization_id
  role_id     = "iamImmuneRemediator"
  title       = "IAM Immune remediator"
  description = "Read and rewrite IAM policies, disable/enable service accounts and keys: what IAM Immune's executors call."
  permissions = local.remediation_permissions
}

resource "google_organization_iam_member" "bot_remediator" {
  org_id = var.organization_id
  role   = google_organization_iam_custom_role.remediator.id
  member = "serviceAccount:${google_service_account.bot.email}"
}

# Runtime: the bot's store.
resource "google_project_iam_member" "bot_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.bot.email}"
}

resource "google_firestore_database" "immune" {
  name        = "(default)"
  location_id = var.region
  type        = "FIRESTORE_NATIVE"
  depends_on  = [google_project_service.apis]
}

data "google_secret_manager_secret" "bot" {
  for_each  = var.secret_names
  secret_id = each.value
}

# Runtime: each secret, and nothing else in Secret Manager.
resource "google_secret_manager_secret_iam_member" "bot" {
  for_each  = var.secret_names
  secret_id = data.google_secret_manager_secret.bot[each.value].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.bot.email}"
}

resource "google_cloud_run_v2_service" "bot" {
  name     = "iam-immune"
  location = var.region
  ingress  = "INGRESS_TRAFFIC_ALL"

  template {
    service_account = google_service_account.bot.email
    scaling {
      min_instance_count = var.min_replicas
      max_instance_count = var.max_replicas
    }
    containers {
      image = var.image
      ports {
        container_port = 8080
      }
      # The image runs node with --max-old-space-size=1536 (Dockerfile): heap plus native memory
      # (SQLite, buffers, ~150 MB) fit in 2 GiB, which Cloud Run's 512 MiB default does not.
      resources {
        limits = {
          memory = var.memory
          cpu    = var.cpu
        }
      }
      env {
        name  = "HOST"
        value = "0.0.0.0"
      }
      env {
        name  = "STORE"
        value = "firestore"
      }
      env {
        name  = "FIRESTORE_PROJECT_ID"
        value = var.project_id
      }
      env {
        name  = "PUBSUB_AUDIENCE"
        value = "iam-immune"
      }
      env {
        name  = "PUBSUB_SERVICE_ACCOUNT"
        value = google_service_account.push.email
      }
      env {
        name  = "REMEDIATION_MODE"
        value = var.remediation_mode
      }
      env {
        name  = "AUTO_REMEDIATE"
        value = tostring(var.auto_remediate)
      }
      env {
        name  = "AWS_ASSUME_ROLE_ARN_TEMPLATE"
        value = var.aws_assume_role_arn_template
      }
      env {
        name  = "SLACK_INCIDENT_CHANNEL"
        value = var.slack_incident_channel
      }
      env {
        name  = "PUBLIC_URL"
        value = var.public_url
      }
      dynamic "env" {
        for_each = var.secret_names
        content {
          name = env.value
          value_source {
            secret_key_ref {
              secret  = data.google_secret_manager_secret.bot[env.value].secret_id
              version = "latest"
            }
          }
        }
      }
      startup_probe {
        http_get {
          path = "/healthz"
        }
      }
      liveness_probe {
        http_get {
          path = "/healthz"
        }
      }
    }
  }
  depends_on = [google_project_service.apis, google_secret_manager_secret_iam_member.bot]
}

# Pub/Sub pushes with the push identity's OIDC token; Cloud Run checks it can invoke.
resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  name     = google_cloud_run_v2_service.bot.name
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.push.email}"
}

resource "google_pubsub_topic" "audit" {
  name = "iam-immune-audit"
}

resource "google_pubsub_topic" "dead_letter" {
  name = "iam-immune-audit-dead-letter"
}

resource "google_pubsub_subscription" "dead_letter" {
  name                       = "iam-immune-audit-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  message_retention_duration = "604800s"
}

resource "google_pubsub_subscription" "push" {
  name                 = "iam-immune-push"
  topic                = google_pubsub_topic.audit.id
  ack_deadline_seconds = 30

  push_config {
    push_endpoint = "${google_cloud_run_v2_service.bot.uri}/events/gcp"
    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = "iam-immune"
    }
  }
  retry_policy {
    minimum_backoff = "5s"
    maximum_backoff = "600s"
  }
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.push_max_delivery_attempts
  }
}

data "google_project" "bot" {
  project_id = var.project_id
}

# Pub/Sub's service agent moves undeliverable messages to the dead-letter topic.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:service-${data.google_project.bot.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  subscription = google_pubsub_subscription.push.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:service-${data.google_project.bot.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# Pub/Sub's service agent mints the push OIDC tokens as the push identity.
resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.bot.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_logging_organization_sink" "audit" {
  name             = "iam-immune-audit"
  org_id           = var.organization_id
  include_children = true
  destination      = "pubsub.googleapis.com/${google_pubsub_topic.audit.id}"
  filter           = "logName:\"cloudaudit.googleapis.com\" AND (${local.audit_filter})"
}

resource "google_pubsub_topic_iam_member" "sink_publisher" {
  topic  = google_pubsub_topic.audit.id
  role   = "roles/pubsub.publisher"
  member = google_logging_organization_sink.audit.writer_identity
}
