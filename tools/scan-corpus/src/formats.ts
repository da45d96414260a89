import type { Random } from './random.js';

/** The kinds of file a value gets committed in. */
export type FileFormat =
  | 'env'
  | 'yaml'
  | 'json'
  | 'ts'
  | 'py'
  | 'tf'
  | 'properties'
  | 'sh'
  | 'md'
  | 'compose';

const snake = (name: string) => name.toLowerCase();
const camel = (name: string) =>
  name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Ordinary lines around the case, so files read like real ones. */
const FILLER: Record<FileFormat, { head: string[]; tail: string[] }> = {
  env: {
    head: ['NODE_ENV=production', 'PORT=8080'],
    tail: ['LOG_LEVEL=info', 'FEATURE_FLAGS=search,export'],
  },
  yaml: {
    head: ['service: orders', 'production:', '  replicas: 3'],
    tail: ['  region: eu-west-1', '  timeout_ms: 2500'],
  },
  json: {
    head: ['{', '  "name": "orders-service",', '  "port": 8080,'],
    tail: ['  "logLevel": "info"', '}'],
  },
  ts: {
    head: [
      "import { createServer } from 'node:http';",
      '',
      'export const config = {',
      "  region: 'eu-west-1',",
    ],
    tail: ['  retries: 3,', '};'],
  },
  py: {
    head: ['import os', '', 'DEBUG = False', 'ALLOWED_HOSTS = ["orders.example.net"]'],
    tail: ['TIME_ZONE = "UTC"'],
  },
  tf: {
    head: ['provider "aws" {', '  region = "eu-west-1"'],
    tail: ['}', '', 'resource "aws_s3_bucket" "logs" {', '  bucket = "orders-logs"', '}'],
  },
  properties: {
    head: ['server.port=8080', 'spring.application.name=orders'],
    tail: ['logging.level.root=INFO'],
  },
  sh: {
    head: ['#!/usr/bin/env bash', 'set -euo pipefail'],
    tail: ['npm run migrate', 'exec node dist/main.js'],
  },
  md: {
    head: ['# Orders service', '', 'Set up your shell before running the service:', '', '```sh'],
    tail: ['npm start', '```'],
  },
  compose: {
    head: ['services:', '  api:', '    image: registry.internal/orders:1.4.2', '    environment:'],
    tail: ['    ports:', '      - "8080:8080"'],
  },
};

const PATHS: Record<FileFormat, readonly string[]> = {
  env: ['.env', '.env.production', 'deploy/app.env', 'config/.env.staging'],
  yaml: ['config/settings.yml', 'k8s/values.yaml', 'config/application.yaml'],
  json: ['config/production.json', 'appsettings.json', 'secrets.json'],
  ts: ['src/config.ts', 'src/clients/api.ts', 'scripts/seed.ts'],
  py: ['settings/prod.py', 'app/config.py', 'scripts/sync.py'],
  tf: ['infra/main.tf', 'infra/variables.auto.tfvars.tf'],
  properties: ['src/main/resources/application.properties', 'config/app.properties'],
  sh: ['scripts/deploy.sh', 'bin/run.sh', 'ci/release.sh'],
  md: ['README.md', 'docs/setup.md', 'CONTRIBUTING.md'],
  compose: ['docker-compose.yml', 'compose.prod.yaml'],
};

/** The line that assigns `value` to `NAME` in a file of `format`. */
export function assignmentLine(format: FileFormat, name: string, value: string): string {
  switch (format) {
    case 'env':
      return `${name}=${value}`;
    case 'yaml':
      return `  ${snake(name)}: ${value}`;
    case 'json':
      return `  "${camel(name)}": "${value}",`;
    case 'ts':
      return `  ${camel(name)}: '${value}',`;
    case 'py':
      return `${name} = "${value}"`;
    case 'tf':
      return `  ${snake(name)} = "${value}"`;
    case 'properties':
      return `app.${snake(name).replace(/_/g, '.')}=${value}`;
    case 'sh':
      return `export ${name}="${value}"`;
    case 'md':
      return `export ${name}=${value}`;
    case 'compose':
      return `      - ${name}=${value}`;
  }
}

/** A whole file holding `lines` among its ordinary ones, and where it lives. */
export function fileWith(format: FileFormat, lines: readonly string[], r: Random) {
  const filler = FILLER[format];
  return {
    path: r.pick(PATHS[format]),
    content: `${[...filler.head, ...lines, ...filler.tail].join('\n')}\n`,
  };
}

export const ALL_FORMATS: readonly FileFormat[] = Object.keys(FILLER) as FileFormat[];
