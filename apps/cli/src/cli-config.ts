import path from 'node:path';
import { z } from 'zod';
import { CliError, EXIT } from './exit-codes';

/**
 * Where the CLI finds the gateway and its keys. Each setting is taken from the
 * first source that has it: a flag, then the environment, then the config
 * file; an empty value counts as absent.
 */
export interface CliSettings {
  url: string;
  apiKey?: string;
  adminKey?: string;
}

export type SettingSource = 'flag' | 'env' | 'file' | 'default';

export interface ResolvedSettings extends CliSettings {
  /** Where each setting came from (for messages, and `--verbose`-style checks in tests). */
  from: { url: SettingSource; apiKey?: SettingSource; adminKey?: SettingSource };
  /** The config file that was read, if any. */
  configFile?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export const ENV = {
  url: 'SWITCHYARD_URL',
  apiKey: 'SWITCHYARD_API_KEY',
  adminKey: 'SWITCHYARD_ADMIN_KEY',
} as const;

const fileSchema = z.strictObject({
  url: z.url({ error: 'must be an http(s) URL' }).optional(),
  apiKey: z.string().optional(),
  adminKey: z.string().optional(),
});
export type ConfigFile = z.output<typeof fileSchema>;

/** `--config`, else `$XDG_CONFIG_HOME/switchyard/config.json`, else `~/.config/switchyard/config.json`. */
export function configFilePath(explicit: string | undefined, env: Record<string, string | undefined>, home: string) {
  if (explicit) return { path: explicit, explicit: true };
  const base = env.XDG_CONFIG_HOME || path.join(home, '.config');
  return { path: path.join(base, 'switchyard', 'config.json'), explicit: false };
}

/** Parses the config file's text; a problem is a config error naming the file. */
export function parseConfigFile(text: string, file: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(`config file ${file} is not JSON: ${(err as Error).message}`, EXIT.config);
  }
  const parsed = fileSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
  throw new CliError(`config file ${file} is invalid`, EXIT.config, undefined, lines);
}

export function resolveSettings(sources: {
  flags: Partial<CliSettings>;
  env: Record<string, string | undefined>;
  file?: ConfigFile;
  configFile?: string;
}): ResolvedSettings {
  const pick = (key: keyof CliSettings): { value?: string; from?: SettingSource } => {
    const candidates: [string | undefined, SettingSource][] = [
      [sources.flags[key], 'flag'],
      [sources.env[ENV[key]], 'env'],
      [sources.file?.[key], 'file'],
    ];
    for (const [value, from] of candidates) if (value) return { value, from };
    return {};
  };
  const url = pick('url');
  const apiKey = pick('apiKey');
  const adminKey = pick('adminKey');
  const resolved: ResolvedSettings = {
    url: normaliseUrl(url.value ?? DEFAULT_URL),
    from: { url: url.from ?? 'default' },
    ...(sources.configFile ? { configFile: sources.configFile } : {}),
  };
  if (apiKey.value) {
    resolved.apiKey = apiKey.value;
    resolved.from.apiKey = apiKey.from;
  }
  if (adminKey.value) {
    resolved.adminKey = adminKey.value;
    resolved.from.adminKey = adminKey.from;
  }
  return resolved;
}

function normaliseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`gateway URL "${url}" is not a URL`, EXIT.config);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new CliError(`gateway URL "${url}" must be http or https`, EXIT.config);
  return url.replace(/\/+$/, '');
}

/**
 * Which credential a route takes: a bearer API key, the admin key, or either
 * (the admin key when one is configured: it sees every agent, trigger and dead
 * letter, as the gateway checks it first when both are sent).
 */
export type AuthKind = 'api' | 'admin' | 'either';

export function credentialHeaders(settings: CliSettings, auth: AuthKind): Record<string, string> {
  if ((auth === 'admin' || auth === 'either') && settings.adminKey) return { 'x-admin-key': settings.adminKey };
  if ((auth === 'api' || auth === 'either') && settings.apiKey) return { authorization: `Bearer ${settings.apiKey}` };
  throw new CliError(missingKeyMessage(auth), EXIT.config);
}

export function missingKeyMessage(auth: AuthKind): string {
  const api = `an API key (--api-key, ${ENV.apiKey}, or "apiKey" in the config file)`;
  const admin = `the admin key (--admin-key, ${ENV.adminKey}, or "adminKey" in the config file)`;
  switch (auth) {
    case 'api':
      return `this command needs ${api}`;
    case 'admin':
      return `this command needs ${admin}`;
    case 'either':
      return `this command needs ${api} or ${admin}`;
  }
}
