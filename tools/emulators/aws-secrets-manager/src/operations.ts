import type { AccessControl } from './access-policy.js';
import { ApiError } from './api-error.js';
import type { SecretStore, SecretValue, SecretVersion, StoredSecret } from './secret-store.js';

/** Who is calling: the access key id from the request's SigV4 `Authorization` header. */
export interface Caller {
  accessKeyId: string;
}

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;
type Operation = (input: Input, caller: Caller) => Output;

const MAX_BATCH_IDS = 20;
const MAX_BATCH_RESULTS = 20;
const MAX_VERSION_RESULTS = 100;
const MIN_TOKEN_LENGTH = 32;
const MAX_TOKEN_LENGTH = 64;

/**
 * The operations of the Secrets Manager API that Baton uses, with the request validation,
 * response shapes and error types of the API reference. Every read checks the caller's
 * permission on the secret, as IAM would.
 */
export function createOperations(
  store: SecretStore,
  access: AccessControl,
): Readonly<Record<string, Operation>> {
  const allowed = (caller: Caller, action: string, secret: StoredSecret) =>
    access.check(caller.accessKeyId, action, secret.arn);

  /**
   * Finds a secret the caller may act on. Permission is checked first, on the ARN the name
   * would have, so a caller without it learns nothing about which secrets exist.
   */
  const findAllowed = (caller: Caller, action: string, secretId: string): StoredSecret => {
    if (!store.has(secretId)) {
      const arn = secretId.startsWith('arn:')
        ? secretId
        : `arn:aws:secretsmanager:${store.region}:${store.accountId}:secret:${secretId}`;
      access.check(caller.accessKeyId, action, arn);
    }
    const secret = store.find(secretId);
    allowed(caller, action, secret);
    return secret;
  };

  /** One secret's value, as GetSecretValue and each entry of BatchGetSecretValue answer it. */
  const readValue = (
    secret: StoredSecret,
    versionId: string | undefined,
    stage: string | undefined,
  ): Output => {
    const version = store.resolveVersion(secret, versionId, stage);
    if (secret.keyDisabled) {
      throw new ApiError(
        'DecryptionFailure',
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
      );
    }
    store.touch(secret);
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...valueFields(version),
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate,
    };
  };

  return {
    GetSecretValue(input, caller) {
      const secret = findAllowed(caller, 'GetSecretValue', requiredString(input, 'SecretId'));
      return readValue(
        secret,
        optionalString(input, 'VersionId'),
        optionalString(input, 'VersionStage'),
      );
    },

    BatchGetSecretValue(input, caller) {
      const ids = input.SecretIdList;
      const filters = input.Filters;
      if ((ids === undefined) === (filters === undefined)) {
        throw new ApiError(
          'InvalidParameterException',
          'You must include Filters or SecretIdList, but not both.',
        );
      }
      access.check(caller.accessKeyId, 'BatchGetSecretValue', '*');
      if (ids !== undefined) {
        if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id.length === 0)) {
          throw new ApiError(
            'InvalidParameterException',
            'SecretIdList must be a list of secret names or ARNs.',
          );
        }
        if (ids.length < 1 || ids.length > MAX_BATCH_IDS) {
          throw new ApiError(
            'InvalidParameterException',
            `SecretIdList must contain between 1 and ${MAX_BATCH_IDS} secret names or ARNs.`,
          );
        }
        if (input.MaxResults !== undefined || input.NextToken !== undefined) {
          throw new ApiError(
            'InvalidParameterException',
            'MaxResults and NextToken can only be used with Filters.',
          );
        }
        const SecretValues: Output[] = [];
        const Errors: Output[] = [];
        for (const id of ids as string[]) {
          try {
            const secret = findAllowed(caller, 'GetSecretValue', id);
            SecretValues.push(readValue(secret, undefined, undefined));
          } catch (error) {
            if (!(error instanceof ApiError)) throw error;
            Errors.push({ SecretId: id, ErrorCode: error.type, Message: error.message });
          }
        }
        return { SecretValues, Errors };
      }
      access.check(caller.accessKeyId, 'ListSecrets', '*');
      const matching = store.all().filter((secret) => matchesFilters(secret, filters));
      const { page, nextToken } = paginate(matching, input, MAX_BATCH_RESULTS);
      const SecretValues: Output[] = [];
      const Errors: Output[] = [];
      for (const secret of page) {
        try {
          allowed(caller, 'GetSecretValue', secret);
          SecretValues.push(readValue(secret, undefined, undefined));
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          Errors.push({ SecretId: secret.name, ErrorCode: error.type, Message: error.message });
        }
      }
      return { SecretValues, Errors, ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
    },

    DescribeSecret(input, caller) {
      const secret = findAllowed(caller, 'DescribeSecret', requiredString(input, 'SecretId'));
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(secret.description === undefined ? {} : { Description: secret.description }),
        RotationEnabled: false,
        CreatedDate: secret.createdDate,
        LastChangedDate: secret.lastChangedDate,
        ...(secret.lastAccessedDate === undefined
          ? {}
          : { LastAccessedDate: secret.lastAccessedDate }),
        Tags: secret.tags,
        VersionIdsToStages: store.versionIdsToStages(secret),
      };
    },

    CreateSecret(input, caller) {
      const name = requiredString(input, 'Name');
      const value = optionalValue(input);
      const token = clientRequestToken(input) ?? store.newVersionId();
      access.check(
        caller.accessKeyId,
        'CreateSecret',
        `arn:aws:secretsmanager:${store.region}:${store.accountId}:secret:${name}-??????`,
      );
      if (store.has(name)) {
        const secret = store.find(name);
        const version = secret.versions.get(token);
        // The documented idempotent repeat: same token, same value, nothing changes.
        if (version !== undefined && value !== undefined) {
          store.addVersion(secret, value, token, []);
          return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId };
        }
        throw new ApiError(
          'ResourceExistsException',
          `The operation failed because the secret ${name} already exists.`,
        );
      }
      const secret = store.create(name, value, token, {
        description: optionalString(input, 'Description'),
        tags: optionalTags(input),
      });
      return {
        ARN: secret.arn,
        Name: secret.name,
        ...(value === undefined ? {} : { VersionId: token }),
      };
    },

    PutSecretValue(input, caller) {
      const secret = findAllowed(caller, 'PutSecretValue', requiredString(input, 'SecretId'));
      const value = optionalValue(input);
      if (value === undefined) {
        throw new ApiError(
          'InvalidParameterException',
          'You must provide either SecretString or SecretBinary.',
        );
      }
      const stages = optionalStringList(input, 'VersionStages') ?? ['AWSCURRENT'];
      const token = clientRequestToken(input) ?? store.newVersionId();
      const version = store.addVersion(secret, value, token, stages);
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        VersionStages: [...version.stages],
      };
    },

    UpdateSecretVersionStage(input, caller) {
      const secret = findAllowed(
        caller,
        'UpdateSecretVersionStage',
        requiredString(input, 'SecretId'),
      );
      store.moveStage(
        secret,
        requiredString(input, 'VersionStage'),
        optionalString(input, 'MoveToVersionId'),
        optionalString(input, 'RemoveFromVersionId'),
      );
      return { ARN: secret.arn, Name: secret.name };
    },

    ListSecretVersionIds(input, caller) {
      const secret = findAllowed(caller, 'ListSecretVersionIds', requiredString(input, 'SecretId'));
      const includeDeprecated = input.IncludeDeprecated === true;
      const versions = [...secret.versions.values()].filter(
        (version) => includeDeprecated || version.stages.size > 0,
      );
      const { page, nextToken } = paginate(versions, input, MAX_VERSION_RESULTS);
      return {
        ARN: secret.arn,
        Name: secret.name,
        Versions: page.map((version) => ({
          VersionId: version.versionId,
          VersionStages: [...version.stages],
          CreatedDate: version.createdDate,
        })),
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      };
    },
  };
}

function valueFields(version: SecretVersion): Output {
  if (version.secretString !== undefined) return { SecretString: version.secretString };
  return { SecretBinary: Buffer.from(version.secretBinary ?? []).toString('base64') };
}

function requiredString(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new ApiError(
      'InvalidParameterException',
      `${field} is required and must be a non-empty string.`,
    );
  }
  return value;
}

function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new ApiError('InvalidParameterException', `${field} must be a non-empty string.`);
  }
  return value;
}

function optionalStringList(input: Input, field: string): string[] | undefined {
  const value = input[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new ApiError('InvalidParameterException', `${field} must be a list of strings.`);
  }
  return value as string[];
}

function optionalTags(input: Input): { Key: string; Value: string }[] | undefined {
  const tags = input.Tags;
  if (tags === undefined) return undefined;
  if (
    !Array.isArray(tags) ||
    tags.some((tag) => typeof tag?.Key !== 'string' || typeof tag?.Value !== 'string')
  ) {
    throw new ApiError(
      'InvalidParameterException',
      'Tags must be a list of { Key, Value } strings.',
    );
  }
  return tags as { Key: string; Value: string }[];
}

/** Exactly one of `SecretString` and `SecretBinary` (base64 on the wire), or neither. */
function optionalValue(input: Input): SecretValue | undefined {
  const text = input.SecretString;
  const binary = input.SecretBinary;
  if (text !== undefined && binary !== undefined) {
    throw new ApiError(
      'InvalidParameterException',
      'You can specify SecretString or SecretBinary, but not both.',
    );
  }
  if (text !== undefined) {
    if (typeof text !== 'string') {
      throw new ApiError('InvalidParameterException', 'SecretString must be a string.');
    }
    return { secretString: text };
  }
  if (binary !== undefined) {
    if (typeof binary !== 'string') {
      throw new ApiError('InvalidParameterException', 'SecretBinary must be base64 text.');
    }
    return { secretBinary: Buffer.from(binary, 'base64') };
  }
  return undefined;
}

function clientRequestToken(input: Input): string | undefined {
  const token = optionalString(input, 'ClientRequestToken');
  if (token !== undefined && (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH)) {
    throw new ApiError(
      'InvalidParameterException',
      `ClientRequestToken must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} characters long.`,
    );
  }
  return token;
}

/** Filters of BatchGetSecretValue: prefix matches on name, description, tag key or value. */
function matchesFilters(secret: StoredSecret, filters: unknown): boolean {
  if (!Array.isArray(filters) || filters.length === 0) {
    throw new ApiError('InvalidParameterException', 'Filters must be a non-empty list.');
  }
  return filters.every((filter) => {
    const key = filter?.Key;
    const values: unknown = filter?.Values;
    if (typeof key !== 'string' || !Array.isArray(values)) {
      throw new ApiError(
        'InvalidParameterException',
        'Each filter needs a Key and a list of Values.',
      );
    }
    const fields: Record<string, string[]> = {
      name: [secret.name],
      description: secret.description === undefined ? [] : [secret.description],
      'tag-key': secret.tags.map((tag) => tag.Key),
      'tag-value': secret.tags.map((tag) => tag.Value),
    };
    fields.all = Object.values(fields).flat();
    const candidates = fields[key];
    if (candidates === undefined) {
      throw new ApiError('InvalidParameterException', `Unsupported filter key: ${key}.`);
    }
    return (values as unknown[]).some(
      (value) =>
        typeof value === 'string' &&
        candidates.some((candidate) => candidate.toLowerCase().startsWith(value.toLowerCase())),
    );
  });
}

/** Pages a list with `MaxResults` and an opaque `NextToken` (the next offset, encoded). */
function paginate<T>(
  items: readonly T[],
  input: Input,
  maxPage: number,
): { page: T[]; nextToken: string | undefined } {
  const max = input.MaxResults;
  if (
    max !== undefined &&
    (!Number.isInteger(max) || (max as number) < 1 || (max as number) > maxPage)
  ) {
    throw new ApiError('InvalidParameterException', `MaxResults must be between 1 and ${maxPage}.`);
  }
  let start = 0;
  if (input.NextToken !== undefined) {
    const decoded =
      typeof input.NextToken === 'string'
        ? Number(Buffer.from(input.NextToken, 'base64url').toString())
        : Number.NaN;
    if (!Number.isInteger(decoded) || decoded < 0 || decoded > items.length) {
      throw new ApiError('InvalidNextTokenException', 'The NextToken value is invalid.');
    }
    start = decoded;
  }
  const end = start + ((max as number | undefined) ?? maxPage);
  return {
    page: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}
