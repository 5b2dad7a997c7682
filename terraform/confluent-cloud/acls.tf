# Least-privilege ACLs: exactly what each service does with Kafka, nothing more (a test checks this list).
# Literal resource names only, no prefixes or wildcards. The consumer group names are the services' defaults
# (Aggregate:GroupId = aggregate, Sink:GroupId = sink, Sink:Footprint:GroupId = sink-footprint): change both together.

# ---------------------------------------------------------------------------------------------------------------------
# Ingest.Service: writes `trades` and `trades.dlq` with an idempotent producer, and its status to `status`.
# ---------------------------------------------------------------------------------------------------------------------
# Produce trades.
resource "confluent_kafka_acl" "ingest_write_trades" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.trades.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.ingest.id}"
  host          = "*"
  operation     = "WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Topic metadata for the producer.
resource "confluent_kafka_acl" "ingest_describe_trades" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.trades.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.ingest.id}"
  host          = "*"
  operation     = "DESCRIBE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Dead-letter frames that cannot be parsed.
resource "confluent_kafka_acl" "ingest_write_trades_dlq" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.trades_dlq.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.ingest.id}"
  host          = "*"
  operation     = "WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

resource "confluent_kafka_acl" "ingest_describe_trades_dlq" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.trades_dlq.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.ingest.id}"
  host          = "*"
  operation     = "DESCRIBE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Publish its per-venue status reports (GET /api/status on the sink).
resource "confluent_kafka_acl" "ingest_write_status" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.status.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.ingest.id}"
  host          = "*"
  operation     = "WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}
# Topic metadata for the status producer.
resource "confluent_kafka_acl" "ingest_describe_status" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.status.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.ingest.id}"
  host          = "*"
  operation     = "DESCRIBE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# The producer is idempotent (enable.idempotence=true).
resource "confluent_kafka_acl" "ingest_idempotent_write" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "CLUSTER"
  resource_name = "kafka-cluster"
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.ingest.id}"
  host          = "*"
  operation     = "IDEMPOTENT_WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Aggregate.Service: reads `trades` in group `aggregate`; writes `volumes.1m`, `footprint.1m`, `trades.large`, `trades.late`, `trades.dlq` (idempotent) and `status`.
# ---------------------------------------------------------------------------------------------------------------------
# Consume trades (READ implies DESCRIBE).
resource "confluent_kafka_acl" "aggregate_read_trades" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.trades.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "READ"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Produce full 1-minute window values.
resource "confluent_kafka_acl" "aggregate_write_volumes_1m" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.volumes_1m.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Produce full volume-at-price (footprint) values of the windows.
resource "confluent_kafka_acl" "aggregate_write_footprint_1m" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.footprint_1m.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Single trades at or above the notional threshold (Aggregate:LargeTrades).
resource "confluent_kafka_acl" "aggregate_write_trades_large" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.trades_large.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Trades older than the retention horizon.
resource "confluent_kafka_acl" "aggregate_write_trades_late" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.trades_late.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Records on trades that cannot be read.
resource "confluent_kafka_acl" "aggregate_write_trades_dlq" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.trades_dlq.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Publish its status report (state, partition watermarks, watermark lag).
resource "confluent_kafka_acl" "aggregate_write_status" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.status.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Consumer group `aggregate` (Aggregate:GroupId): join and commit offsets.
resource "confluent_kafka_acl" "aggregate_read_group" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "GROUP"
  resource_name = "aggregate"
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "READ"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

resource "confluent_kafka_acl" "aggregate_describe_group" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "GROUP"
  resource_name = "aggregate"
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "DESCRIBE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# The producer is idempotent (enable.idempotence=true).
resource "confluent_kafka_acl" "aggregate_idempotent_write" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "CLUSTER"
  resource_name = "kafka-cluster"
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.aggregate.id}"
  host          = "*"
  operation     = "IDEMPOTENT_WRITE"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Sink.Service: reads `volumes.1m` in group `sink`, `footprint.1m` in group `sink-footprint`, `trades.large` in group `sink-large-trades`, and `status` (assigned, no group).
# ---------------------------------------------------------------------------------------------------------------------
# Consume 1-minute window values (READ implies DESCRIBE).
resource "confluent_kafka_acl" "sink_read_volumes_1m" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.volumes_1m.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.sink.id}"
  host          = "*"
  operation     = "READ"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Consume footprint values (READ implies DESCRIBE).
resource "confluent_kafka_acl" "sink_read_footprint_1m" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.footprint_1m.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.sink.id}"
  host          = "*"
  operation     = "READ"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# The footprint consumer's own group (Sink:Footprint:GroupId), so its rebalances never pause the volumes consumer.
resource "confluent_kafka_acl" "sink_read_group_sink_footprint" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "GROUP"
  resource_name = "sink-footprint"
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.sink.id}"
  host          = "*"
  operation     = "READ"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Consume large single trades (READ implies DESCRIBE) in group `sink-large-trades`.
resource "confluent_kafka_acl" "sink_read_trades_large" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.trades_large.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.sink.id}"
  host          = "*"
  operation     = "READ"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Consumer group `sink-large-trades` (Sink:GroupId + `-large-trades`) of the large-trades consumer: join and commit offsets.
resource "confluent_kafka_acl" "sink_read_group_large_trades" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "GROUP"
  resource_name = "sink-large-trades"
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.sink.id}"
  host          = "*"
  operation     = "READ"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Read every status report from the start (assigned partitions, no group, no commits).
resource "confluent_kafka_acl" "sink_read_status" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "TOPIC"
  resource_name = confluent_kafka_topic.status.topic_name
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.sink.id}"
  host          = "*"
  operation     = "READ"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}

# Consumer group `sink` (Sink:GroupId): join and commit offsets.
resource "confluent_kafka_acl" "sink_read_group" {
  kafka_cluster {
    id = confluent_kafka_cluster.this.id
  }
  resource_type = "GROUP"
  resource_name = "sink"
  pattern_type  = "LITERAL"
  principal     = "User:${confluent_service_account.sink.id}"
  host          = "*"
  operation     = "READ"
  permission    = "ALLOW"
  rest_endpoint = confluent_kafka_cluster.this.rest_endpoint
  credentials {
    key    = confluent_api_key.manager.id
    secret = confluent_api_key.manager.secret
  }
}
