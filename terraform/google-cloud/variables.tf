# Every input of the Google Cloud configuration. None is secret: Google credentials come from Application Default
# Credentials in the environment, see README.md.

variable "project_id" {
  description = "Google Cloud project that holds the BigQuery dataset and the sink's service account (required)."
  type        = string
}

variable "region" {
  description = "Default region of the google provider (nothing here is regional; the dataset uses location)."
  type        = string
  default     = "us-central1"
}

variable "location" {
  description = "BigQuery location of the dataset: a multi-region (US, EU) or a region (e.g. us-central1). Cannot change after creation."
  type        = string
  default     = "US"
}

variable "dataset_id" {
  description = "BigQuery dataset id (letters, digits, underscores)."
  type        = string
  default     = "bitcoinvolume"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,1024}$", var.dataset_id))
    error_message = "dataset_id may hold only letters, digits and underscores."
  }
}

variable "table_id" {
  description = "Table of 1-minute window values, every written version (Sink:BigQuery:Table; the sink's default is volumes_1m_versions)."
  type        = string
  default     = "volumes_1m_versions"
}

variable "view_id" {
  description = "View with the latest version of every window: what readers query."
  type        = string
  default     = "volumes_1m"
}

variable "footprint_table_id" {
  description = "Table of footprint (volume at price) window values, every written version (Sink:BigQuery:FootprintTable; the sink's default is footprint)."
  type        = string
  default     = "footprint"
}

variable "footprint_view_id" {
  description = "View with the latest version of every footprint window."
  type        = string
  default     = "footprint_1m"
}

variable "large_trades_table_id" {
  description = "Table of large single trades (Sink:BigQuery:LargeTradesTable; the sink's default is large_trades)."
  type        = string
  default     = "large_trades"
}

variable "sink_service_account_id" {
  description = "account_id of the sink's service account (6-30 lowercase letters, digits, hyphens): its email is ID@PROJECT.iam.gserviceaccount.com."
  type        = string
  default     = "bitcoinvolume-sink"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.sink_service_account_id))
    error_message = "sink_service_account_id must be 6-30 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "create_sink_service_account_key" {
  description = "Create a JSON key for the sink's service account (output sink_service_account_key_json). Today's sink reads credentials only from a key file, so set true to run it; the key is stored in the Terraform state."
  type        = bool
  default     = false
}

variable "labels" {
  description = "Labels put on the dataset, table and view."
  type        = map(string)
  default = {
    app = "bitcoinvolume"
  }
}
