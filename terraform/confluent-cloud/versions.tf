terraform {
  # 1.5+ for the check/import blocks operators may add; nothing here needs newer.
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    confluent = {
      source = "confluentinc/confluent"
      # Any 2.x from 2.0 on: the resources below have had this schema through the 2.x line. `terraform init` writes
      # the exact version into .terraform.lock.hcl: commit that file so every apply uses the same build.
      version = "~> 2.0"
    }
  }
}
