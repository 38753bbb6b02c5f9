import { DomainError } from '../../common/src/index.js';

// The errors of the secrets room (codes clients and the CLI rely on). Messages never carry a
// secret or a key: at most a key's version or a master key's fingerprint.

/** A stored secret or data key that the keys this process holds cannot open. */
export class SecretUnreadable extends DomainError {
  constructor(what: string) {
    super('unavailable', 'secret_unreadable', `${what} cannot be decrypted with the master key(s) this process has (MASTER_KEY, MASTER_KEY_PREVIOUS)`);
  }
}

/** `keys rotate` asked to wrap under a key that is not a master key, or under the one in use. */
export class BadMasterKey extends DomainError {
  constructor(message: string) {
    super('bad_request', 'bad_master_key', message);
  }
}

/** 409: a data key the new settings were sealed with was pruned meanwhile (`tenantry keys prune`); sending them again works. */
export class SecretKeyPruned extends DomainError {
  constructor() {
    super('conflict', 'secret_key_pruned', "The tenant's encryption keys changed while the settings were saved; nothing was changed, send the request again");
  }
}
