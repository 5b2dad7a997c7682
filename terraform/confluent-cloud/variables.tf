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
  description = "retention.ms of topic trades: the documented horizon (docs/ARCHITECTURE.md, State handoff) = Aggregate:Windowing:Retention (7 days: how long a window can still be corrected) + Aggregate:Checkpoints:Interval (5 minutes: the most a move replays after the newest checkpoint) + a margin of about a day (checkpoints failing for that long, a slow move); default 8 days. A partition that moves to an instance without its state is restored from its newest checkpoint and replays from the checkpoint's offset, so trades need not be kept forever. With checkpoints off (Aggregate:Checkpoints:Path empty) a moved partition is rebuilt from its first record: then use -1 (keep forever), or partitions can only move with their state folder. A partition whose checkpoint offset retention has deleted is blocked (aggregate.partitions.fallen_behind, /health unhealthy), never mixed."
  type        = number
  default     = 691200000 # 8 days = 7 d correction retention + 5 min checkpoint interval + ~1 d margin

  validation {
    condition     = var.trades_retention_ms == -1 || var.trades_retention_ms >= 86400000
    error_message = "trades_retention_ms must be -1 (keep forever) or at least one day (86400000); the documented horizon is Aggregate:Windowing:Retention + Aggregate:Checkpoints:Interval + a margin (default 8 days, 691200000)."
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
