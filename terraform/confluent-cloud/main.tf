# Confluent Cloud for BitcoinVolume: one environment, one Kafka cluster, the four topics of src/Contracts/Topics.cs,
# and one service account per service with only the ACLs that service needs. See README.md beside this file.
#
# Credentials: the provider reads a Confluent Cloud API key (a "Cloud resource management" key of a user or service
# account allowed to create environments) from CONFLUENT_CLOUD_API_KEY / CONFLUENT_CLOUD_API_SECRET in the
# environment. Nothing secret is a variable, so nothing secret ends up in a .tfvars file.
provider "confluent" {}

resource "confluent_environment" "this" {
  display_name = var.environment_name
}

resource "confluent_kafka_cluster" "this" {
  display_name = var.cluster_name
  availability = var.cluster_availability
  cloud        = var.cloud
  region       = var.region

  dynamic "basic" {
    for_each = var.cluster_type == "BASIC" ? [1] : []
    content {}
  }

  dynamic "standard" {
    for_each = var.cluster_type == "STANDARD" ? [1] : []
    content {}
  }

  environment {
    id = confluent_environment.this.id
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Administration: a service account that may manage this cluster (topics, ACLs). Terraform uses its Kafka API key;
# no service of BitcoinVolume gets it.
# ---------------------------------------------------------------------------------------------------------------------
resource "confluent_service_account" "manager" {
  display_name = "${var.name_prefix}-terraform-manager"
  description  = "Manages the topics and ACLs of the BitcoinVolume Kafka cluster (used by Terraform only)."
}

resource "confluent_role_binding" "manager_cluster_admin" {
  principal   = "User:${confluent_service_account.manager.id}"
  role_name   = "CloudClusterAdmin"
  crn_pattern = confluent_kafka_cluster.this.rbac_crn
}

resource "confluent_api_key" "manager" {
  display_name = "${var.name_prefix}-terraform-manager-kafka"
  description  = "Kafka API key Terraform uses to create the topics and ACLs."

  owner {
    id          = confluent_service_account.manager.id
    api_version = confluent_service_account.manager.api_version
    kind        = confluent_service_account.manager.kind
  }

  managed_resource {
    id          = confluent_kafka_cluster.this.id
    api_version = confluent_kafka_cluster.this.api_version
    kind        = confluent_kafka_cluster.this.kind

    environment {
      id = confluent_environment.this.id
    }
  }

  # The role binding must exist before the key is used to create topics and ACLs.
  depends_on = [confluent_role_binding.manager_cluster_admin]
}

# ---------------------------------------------------------------------------------------------------------------------
# Topics: names, partition counts and compaction exactly as in src/Contracts/Topics.cs (a test compares them).
# The partition count of `trades` bounds how many aggregator instances can work in parallel.
# ---------------------------------------------------------------------------------------------------------------------
resource "confluent_kafka_topic" "trades" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  topic_name       = "trades"
  partitions_count = 6
  config = {
    "cleanup.policy" = "delete"
    "retention.ms"   = tostring(var.trades_retention_ms)
  }
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

resource "confluent_kafka_topic" "trades_dlq" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  topic_name       = "trades.dlq"
  partitions_count = 1
  config = {
    "cleanup.policy" = "delete"
    "retention.ms"   = tostring(var.dead_letter_retention_ms)
  }
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

resource "confluent_kafka_topic" "trades_late" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  topic_name       = "trades.late"
  partitions_count = 1
  config = {
    "cleanup.policy" = "delete"
    "retention.ms"   = tostring(var.dead_letter_retention_ms)
  }
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Key = product|side|window start, value = the FULL window value: compaction keeps the latest value of every window.
resource "confluent_kafka_topic" "volumes_1m" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  topic_name       = "volumes.1m"
  partitions_count = 6
  config = {
    "cleanup.policy" = "compact"
  }
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Key = product|window start, value = the FULL volume-at-price value of the window (src/Contracts/FootprintWindow.cs):
# compaction keeps the latest levels of every window.
resource "confluent_kafka_topic" "footprint_1m" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  topic_name       = "footprint.1m"
  partitions_count = 6
  config = {
    "cleanup.policy" = "compact"
  }
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Key = venue|product|tradeId, value = one large single trade (src/Contracts/LargeTrade.cs): the key is the trade's
# identity, so compaction keeps one record per trade and a replay's duplicate replaces it with the same value.
resource "confluent_kafka_topic" "trades_large" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  topic_name       = "trades.large"
  partitions_count = 1
  config = {
    "cleanup.policy" = "compact"
  }
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Key = service|instance, value = the publisher's latest status report (src/Contracts/StatusReport.cs): compaction keeps
# the latest report of every ingest venue and aggregator instance; the sink reads it whole for GET /api/status.
resource "confluent_kafka_topic" "status" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  topic_name       = "status"
  partitions_count = 1
  config = {
    "cleanup.policy" = "compact"
  }
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# One service account and one Kafka API key per service.
# ---------------------------------------------------------------------------------------------------------------------
resource "confluent_service_account" "ingest" {
  display_name = "${var.name_prefix}-ingest"
  description  = "Ingest.Service: produces trades and dead letters."
}

resource "confluent_service_account" "aggregate" {
  display_name = "${var.name_prefix}-aggregate"
  description  = "Aggregate.Service: consumes trades, produces 1-minute window values, late trades and dead letters."
}

resource "confluent_service_account" "sink" {
  display_name = "${var.name_prefix}-sink"
  description  = "Sink.Service: consumes 1-minute window values."
}

resource "confluent_api_key" "ingest" {
  display_name = "${var.name_prefix}-ingest-kafka"
  description  = "Kafka API key of Ingest.Service."
  owner {
    id          = confluent_service_account.ingest.id
    api_version = confluent_service_account.ingest.api_version
    kind        = confluent_service_account.ingest.kind
  }
  managed_resource {
    id          = confluent_kafka_cluster.this.id
    api_version = confluent_kafka_cluster.this.api_version
    kind        = confluent_kafka_cluster.this.kind
    environment {
      id = confluent_environment.this.id
    }
  }
}

resource "confluent_api_key" "aggregate" {
  display_name = "${var.name_prefix}-aggregate-kafka"
  description  = "Kafka API key of Aggregate.Service."
  owner {
    id          = confluent_service_account.aggregate.id
    api_version = confluent_service_account.aggregate.api_version
    kind        = confluent_service_account.aggregate.kind
  }
  managed_resource {
    id          = confluent_kafka_cluster.this.id
    api_version = confluent_kafka_cluster.this.api_version
    kind        = confluent_kafka_cluster.this.kind
    environment {
      id = confluent_environment.this.id
    }
  }
}

resource "confluent_api_key" "sink" {
  display_name = "${var.name_prefix}-sink-kafka"
  description  = "Kafka API key of Sink.Service."
  owner {
    id          = confluent_service_account.sink.id
    api_version = confluent_service_account.sink.api_version
    kind        = confluent_service_account.sink.kind
  }
  managed_resource {
    id          = confluent_kafka_cluster.this.id
    api_version = confluent_kafka_cluster.this.api_version
    kind        = confluent_kafka_cluster.this.kind
    environment {
      id = confluent_environment.this.id
    }
  }
}
