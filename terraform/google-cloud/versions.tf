terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    google = {
      source = "hashicorp/google"
      # Any 6.x: the BigQuery, IAM and service-account resources below have had this schema through the 6.x line.
      # `terraform init` writes the exact version into .terraform.lock.hcl: commit that file.
      version = "~> 6.0"
    }
  }
}
