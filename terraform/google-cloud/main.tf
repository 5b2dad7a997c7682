# Google Cloud for BitcoinVolume's BigQuery sink: a dataset, the 1-minute volume table, a view of the latest value of
# every window, and a service account with only the roles the sink needs. See README.md beside this file.
#
# Credentials: the provider uses Application Default Credentials (`gcloud auth application-default login`, or
# GOOGLE_APPLICATION_CREDENTIALS / GOOGLE_OAUTH_ACCESS_TOKEN in the environment). Nothing secret is a variable.
provider "google" {
  project = var.project_id
  region  = var.region
}

resource "google_project_service" "bigquery" {
  project            = var.project_id
  service            = "bigquery.googleapis.com"
  disable_on_destroy = false
}

resource "google_project_service" "iam" {
  project            = var.project_id
  service            = "iam.googleapis.com"
  disable_on_destroy = false
}

# No default table or partition expiration: volumes are kept until someone deletes them on purpose.
resource "google_bigquery_dataset" "volumes" {
  project                    = var.project_id
  dataset_id                 = var.dataset_id
  friendly_name              = "BitcoinVolume"
  description                = "Bitcoin buy/sell (taker side) volume per venue, product and 1-minute window, written by BitcoinVolume's sink."
  location                   = var.location
  delete_contents_on_destroy = false
  labels                     = var.labels

  depends_on = [google_project_service.bigquery]
}

# One row per written version of a window: the sink appends every version it receives (streaming inserts), keyed by
# (venue, product, side, window_start) + version. The view below returns the highest version of each window. Same layout as
# the DDL in src/Sink.Service/Infrastructure/BigQuery/BigQuerySql.cs.
resource "google_bigquery_table" "versions" {
  project     = var.project_id
  dataset_id  = google_bigquery_dataset.volumes.dataset_id
  table_id    = var.table_id
  description = "Every version of every 1-minute buy/sell volume window (value of Kafka topic volumes.1m). Query the view ${var.view_id} for the latest values."
  labels      = var.labels

  schema = file("${path.module}/schema/volumes_1m.json")

  # Daily partitions on the window's start, without expiration; clustered by venue, product (then side) for per-venue and
  # per-product scans. A table created before venues existed gains the nullable venue column (NULL = coinbase) and this
  # clustering in place on apply (docs/DEPLOYMENT.md).
  time_partitioning {
    type  = "DAY"
    field = "window_start"
  }
  clustering = ["venue", "product", "side"]

  # `terraform destroy` must not drop the data by accident: set to false (and apply) first if you really mean it.
  deletion_protection = true
}

# The latest value of every window: ROW_NUMBER over the window's key, highest version first (ties: latest insert).
# Filter on window_start in queries: it is a PARTITION BY column of the ROW_NUMBER, so the filter can prune partitions.
resource "google_bigquery_table" "latest" {
  project     = var.project_id
  dataset_id  = google_bigquery_dataset.volumes.dataset_id
  table_id    = var.view_id
  description = "Latest version of every (venue, product, side, window_start) in ${var.table_id}, with window_end and vwap; rows without venue are coinbase."
  labels      = var.labels

  view {
    use_legacy_sql = false
    query          = <<-SQL
      SELECT
        venue, product, side, window_start, TIMESTAMP_ADD(window_start, INTERVAL 1 MINUTE) AS window_end,
        trades, base_volume, quote_volume,
        IF(base_volume = 0, 0, quote_volume / base_volume) AS vwap,
        open, high, low, close, first_trade_id, last_trade_id, version, final, complete, incomplete_reason, size_classes
      FROM (
        SELECT * REPLACE (IFNULL(venue, 'coinbase') AS venue, IFNULL(complete, TRUE) AS complete)
        FROM `${var.project_id}.${google_bigquery_dataset.volumes.dataset_id}.${google_bigquery_table.versions.table_id}`
      )
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY venue, product, side, window_start ORDER BY version DESC, inserted_at DESC) = 1
    SQL
  }

  # A view holds no data: it can be replaced freely.
  deletion_protection = false
}

# Volume at price (topic footprint.1m): one row per written version of a (venue, product, window_start), levels as a
# REPEATED RECORD. Same layout as BigQuerySql.CreateFootprintTable.
resource "google_bigquery_table" "footprint" {
  project     = var.project_id
  dataset_id  = google_bigquery_dataset.volumes.dataset_id
  table_id    = var.footprint_table_id
  description = "Every version of every footprint window (value of Kafka topic footprint.1m). Query the view ${var.footprint_view_id} for the latest values."
  labels      = var.labels

  schema = file("${path.module}/schema/footprint.json")

  time_partitioning {
    type  = "DAY"
    field = "window_start"
  }
  clustering = ["venue", "product"]

  deletion_protection = true
}

# The latest value of every footprint window (highest version first; ties: latest insert).
resource "google_bigquery_table" "footprint_latest" {
  project     = var.project_id
  dataset_id  = google_bigquery_dataset.volumes.dataset_id
  table_id    = var.footprint_view_id
  description = "Latest version of every (venue, product, window_start) in ${var.footprint_table_id}."
  labels      = var.labels

  view {
    use_legacy_sql = false
    query          = <<-SQL
      SELECT venue, product, window_start, tick, trades, levels, version, final
      FROM `${var.project_id}.${google_bigquery_dataset.volumes.dataset_id}.${google_bigquery_table.footprint.table_id}`
      WHERE TRUE
      QUALIFY ROW_NUMBER() OVER (PARTITION BY venue, product, window_start ORDER BY version DESC, inserted_at DESC) = 1
    SQL
  }

  deletion_protection = false
}

# Large single trades (topic trades.large): one row per trade, insertId venue|product|trade_id (best-effort de-duplication:
# group by venue, product, trade_id where a replayed copy must not count). Same layout as BigQuerySql.CreateLargeTradesTable.
resource "google_bigquery_table" "large_trades" {
  project     = var.project_id
  dataset_id  = google_bigquery_dataset.volumes.dataset_id
  table_id    = var.large_trades_table_id
  description = "Large single trades (value of Kafka topic trades.large), one row per trade."
  labels      = var.labels

  schema = file("${path.module}/schema/large_trades.json")

  time_partitioning {
    type  = "DAY"
    field = "time"
  }
  clustering = ["venue", "product"]

  deletion_protection = true
}

# ---------------------------------------------------------------------------------------------------------------------
# The sink's identity: write rows into this dataset (dataEditor on the dataset only: streaming inserts) and run jobs
# (jobUser on the project: queries, MERGE and load jobs are jobs). No project-wide data access, no admin role.
# ---------------------------------------------------------------------------------------------------------------------
resource "google_service_account" "sink" {
  project      = var.project_id
  account_id   = var.sink_service_account_id
  display_name = "BitcoinVolume sink"
  description  = "Sink.Service: writes 1-minute volumes into BigQuery dataset ${var.dataset_id}."

  depends_on = [google_project_service.iam]
}

resource "google_bigquery_dataset_iam_member" "sink_data_editor" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.volumes.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.sink.email}"
}

resource "google_project_iam_member" "sink_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.sink.email}"
}

# A JSON key, only when asked for. Today's sink authenticates with a key file only (Sink:BigQuery:CredentialsPath or
# GOOGLE_APPLICATION_CREDENTIALS), so it needs one; prefer an attached service account or workload identity once the
# sink supports them. The key ends up in the Terraform state: keep the state in a protected backend.
resource "google_service_account_key" "sink" {
  count              = var.create_sink_service_account_key ? 1 : 0
  service_account_id = google_service_account.sink.name
}
