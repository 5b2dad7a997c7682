# Every input of the Confluent Cloud configuration. None is secret: the Confluent Cloud API key and secret come from
# the environment (CONFLUENT_CLOUD_API_KEY, CONFLUENT_CLOUD_API_SECRET), see README.md.

variable "name_prefix" {
  description = "Prefix of the display names of the service accounts and API keys (e.g. bitcoinvolume-ingest)."
  type        = string
  default     = "bitcoinvolume"
}

variable "environment_name" {
  description = "Display name of the Confluent Cloud environment that holds the cluster."
  type        = string
  default     = "bitcoinvolume"
}

variable "cluster_name" {
  description = "Display name of the Kafka cluster."
  type        = string
  default     = "bitcoinvolume"
}

variable "cluster_type" {
  description = "Kafka cluster type: BASIC (cheapest, enough for ~34 trades/s with bursts) or STANDARD (higher limits and SLA)."
  type        = string
  default     = "BASIC"

  validation {
    condition     = contains(["BASIC", "STANDARD"], var.cluster_type)
    error_message = "cluster_type must be BASIC or STANDARD."
  }
}

variable "cluster_availability" {
  description = "SINGLE_ZONE or MULTI_ZONE (MULTI_ZONE needs cluster_type = STANDARD)."
  type        = string
  default     = "SINGLE_ZONE"

  validation {
    condition     = contains(["SINGLE_ZONE", "MULTI_ZONE"], var.cluster_availability)
    error_message = "cluster_availability must be SINGLE_ZONE or MULTI_ZONE."
  }
}

variable "cloud" {
  description = "Cloud provider that hosts the cluster: AWS, GCP or AZURE. GCP keeps it close to BigQuery."
  type        = string
  default     = "GCP"

  validation {
    condition     = contains(["AWS", "GCP", "AZURE"], var.cloud)
    error_message = "cloud must be AWS, GCP or AZURE."
  }
}

variable "region" {
  description = "Region of the cluster in that cloud (e.g. us-central1 on GCP, us-east-2 on AWS)."
  type        = string
  default     = "us-central1"
}

variable "trades_retention_ms" {
  description = "retention.ms of topic trades; -1 (default) keeps every trade. An aggregator that gets a partition without local state (new instance, lost disk, rebalance to another instance) rebuilds it from the partition's first record; if that record was deleted by retention, the partition is blocked (aggregate.partitions.fallen_behind, /health unhealthy). A finite value must be at least Aggregate:Windowing:Retention and means partitions can only move with their state folder."
  type        = number
  default     = -1

  validation {
    condition     = var.trades_retention_ms == -1 || var.trades_retention_ms >= 86400000
    error_message = "trades_retention_ms must be -1 (keep forever) or at least one day (86400000)."
  }
}

variable "dead_letter_retention_ms" {
  description = "retention.ms of topics trades.dlq and trades.late: how long rejected frames and too-late trades stay available for inspection and repair."
  type        = number
  default     = 2592000000 # 30 days

  validation {
    condition     = var.dead_letter_retention_ms == -1 || var.dead_letter_retention_ms >= 86400000
    error_message = "dead_letter_retention_ms must be -1 (keep forever) or at least one day (86400000)."
  }
}
