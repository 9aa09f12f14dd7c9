import { describe, expect, it } from '@jest/globals';
import {
  configFilePath,
  credentialHeaders,
  DEFAULT_URL,
  parseConfigFile,
  resolveSettings,
  type AuthKind,
  type CliSettings,
} from './cli-config';
import { CliError, EXIT } from './exit-codes';

describe(resolveSettings.name, () => {
  const cases: {
    name: string;
    flags?: Partial<CliSettings>;
    env?: Record<string, string>;
    file?: Partial<CliSettings>;
    url: string;
    apiKey?: string;
    adminKey?: string;
    from: Record<string, string>;
  }[] = [
    { name: 'nothing: the default URL, no keys', url: DEFAULT_URL, from: { url: 'default' } },
    {
      name: 'the file alone',
      file: { url: 'http://file:1', apiKey: 'k-file', adminKey: 'a-file' },
      url: 'http://file:1',
      apiKey: 'k-file',
      adminKey: 'a-file',
      from: { url: 'file', apiKey: 'file', adminKey: 'file' },
    },
    {
      name: 'env over file',
      env: { SWITCHYARD_URL: 'http://env:2', SWITCHYARD_API_KEY: 'k-env' },
      file: { url: 'http://file:1', apiKey: 'k-file', adminKey: 'a-file' },
      url: 'http://env:2',
      apiKey: 'k-env',
      adminKey: 'a-file',
      from: { url: 'env', apiKey: 'env', adminKey: 'file' },
    },
    {
      name: 'flags over env over file',
      flags: { url: 'http://flag:3', adminKey: 'a-flag' },
      env: { SWITCHYARD_URL: 'http://env:2', SWITCHYARD_API_KEY: 'k-env', SWITCHYARD_ADMIN_KEY: 'a-env' },
      file: { url: 'http://file:1', apiKey: 'k-file' },
      url: 'http://flag:3',
      apiKey: 'k-env',
      adminKey: 'a-flag',
      from: { url: 'flag', apiKey: 'env', adminKey: 'flag' },
    },
    {
      name: 'an empty env value counts as unset',
      env: { SWITCHYARD_API_KEY: '', SWITCHYARD_URL: '' },
      file: { apiKey: 'k-file' },
      url: DEFAULT_URL,
      apiKey: 'k-file',
      from: { url: 'default', apiKey: 'file' },
    },
    {
      name: 'trailing slashes of the URL are dropped',
      flags: { url: 'https://gw.example/base//' },
      url: 'https://gw.example/base',
      from: { url: 'flag' },
    },
  ];
  it.each(cases)('$name', ({ flags = {}, env = {}, file, url, apiKey, adminKey, from }) => {
    const sut = resolveSettings({ flags, env, file });
    expect(sut).toEqual({ url, ...(apiKey ? { apiKey } : {}), ...(adminKey ? { adminKey } : {}), from });
  });

  it.each(['ftp://gw', 'not a url'])('refuses the URL %s with a config error', (url) => {
    expect(() => resolveSettings({ flags: { url }, env: {} })).toThrow(
      expect.objectContaining({ exitCode: EXIT.config }),
    );
  });
});

describe(configFilePath.name, () => {
  it.each([
    { explicit: '/tmp/c.json', env: {}, path: '/tmp/c.json', isExplicit: true },
    { explicit: undefined, env: { XDG_CONFIG_HOME: '/xdg' }, path: '/xdg/switchyard/config.json', isExplicit: false },
    { explicit: undefined, env: {}, path: '/home/op/.config/switchyard/config.json', isExplicit: false },
  ])('$path', ({ explicit, env, path, isExplicit }) => {
    expect(configFilePath(explicit, env, '/home/op')).toEqual({ path, explicit: isExplicit });
  });
});

describe(parseConfigFile.name, () => {
  it('reads url, apiKey and adminKey', () => {
    expect(parseConfigFile('{"url":"http://gw:3000","apiKey":"k","adminKey":"a"}', 'f')).toEqual({
      url: 'http://gw:3000',
      apiKey: 'k',
      adminKey: 'a',
    });
  });
  it.each([
    { text: '{not json', why: 'not JSON' },
    { text: '{"apikey":"typo"}', why: 'an unknown key' },
    { text: '{"url":"nope"}', why: 'a bad URL' },
    { text: '{"apiKey":42}', why: 'a key that is not a string' },
  ])('refuses $why with a config error naming the file', ({ text }) => {
    let error: unknown;
    try {
      parseConfigFile(text, '/etc/sy.json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.config);
    expect((error as CliError).message).toContain('/etc/sy.json');
  });
});

describe(credentialHeaders.name, () => {
  const both = { url: 'http://gw', apiKey: 'k', adminKey: 'a' };
  const cases: { auth: AuthKind; settings: CliSettings; headers?: Record<string, string>; missing?: string }[] = [
    { auth: 'api', settings: both, headers: { authorization: 'Bearer k' } },
    { auth: 'admin', settings: both, headers: { 'x-admin-key': 'a' } },
    { auth: 'either', settings: both, headers: { 'x-admin-key': 'a' } },
    { auth: 'either', settings: { url: 'http://gw', apiKey: 'k' }, headers: { authorization: 'Bearer k' } },
    { auth: 'api', settings: { url: 'http://gw', adminKey: 'a' }, missing: 'SWITCHYARD_API_KEY' },
    { auth: 'admin', settings: { url: 'http://gw', apiKey: 'k' }, missing: 'SWITCHYARD_ADMIN_KEY' },
    { auth: 'either', settings: { url: 'http://gw' }, missing: 'SWITCHYARD_API_KEY' },
  ];
  it.each(cases)('$auth with $settings', ({ auth, settings, headers, missing }) => {
    if (headers) return expect(credentialHeaders(settings, auth)).toEqual(headers);
    expect(() => credentialHeaders(settings, auth)).toThrow(missing);
    expect(() => credentialHeaders(settings, auth)).toThrow(expect.objectContaining({ exitCode: EXIT.config }));
  });
});
