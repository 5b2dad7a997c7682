#!/usr/bin/env node
// Parses Terraform files with HashiCorp's HCL parser (the Go hcl/v2 parser compiled to WebAssembly, shipped in
// @cdktf/hcl2json: no network, no terraform CLI) and prints ONE JSON object on stdout:
//   { "<file as given>": { "json": <the file as Terraform JSON syntax> } | { "error": "<parser message>" }, ... }
// Usage: node parse-hcl.js FILE.tf [FILE.tf ...]   Exit code 0 when it ran (per-file errors are in the output),
// 2 when it could not run at all. Used by tests/Infrastructure.Tests (TerraformFiles.cs).
'use strict';

const fs = require('node:fs');
const { parse } = require('@cdktf/hcl2json');

async function main(files) {
  if (files.length === 0) {
    throw new Error('usage: node parse-hcl.js FILE.tf [FILE.tf ...]');
  }
  const result = {};
  for (const file of files) {
    try {
      result[file] = { json: await parse(file, fs.readFileSync(file, 'utf8')) };
    } catch (error) {
      result[file] = { error: String((error && error.message) || error) };
    }
  }
  return result;
}

main(process.argv.slice(2)).then(
  (result) => {
    // stdout is a pipe or file here: writes are synchronous on Linux, so exiting right after is safe.
    process.stdout.write(JSON.stringify(result));
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`parse-hcl: ${(error && error.stack) || error}\n`);
    process.exit(2);
  });
