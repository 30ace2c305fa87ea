import { hash } from '@node-rs/argon2';
import { sha256SecretHash } from '@libs/models';
import { LocalPassword } from './local-password';

describe('local application passwords', () => {
  it('checks a plain-text password from the file without keeping it', async () => {
    const password = LocalPassword.from('plain-password-1');
    await expect(password.verify('plain-password-1')).resolves.toBe(true);
    await expect(password.verify('plain-password-2')).resolves.toBe(false);
    expect(JSON.stringify(password)).not.toContain('plain-password-1');
  });

  it('checks a sha256$ hash', async () => {
    const password = LocalPassword.from(sha256SecretHash('generated-secret'));
    await expect(password.verify('generated-secret')).resolves.toBe(true);
    await expect(password.verify('sha256$whatever')).resolves.toBe(false);
  });

  it('checks an argon2id hash', async () => {
    const password = LocalPassword.from(await hash('argon-password'));
    await expect(password.verify('argon-password')).resolves.toBe(true);
    await expect(password.verify('argon-password')).resolves.toBe(true);
    await expect(password.verify('other-password')).resolves.toBe(false);
  });

  it('tells whether a reload changed the stored form', () => {
    const a = LocalPassword.from('same-password');
    expect(a.storedDigest.equals(LocalPassword.from('same-password').storedDigest)).toBe(true);
    expect(a.storedDigest.equals(LocalPassword.from('other-password').storedDigest)).toBe(false);
  });

  it('has a decoy that matches nothing', async () => {
    await expect(LocalPassword.decoy.verify('')).resolves.toBe(false);
  });
});
