import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import { verifySettingsSchema } from '../../shared/protocol/schemas.js';
import { KeyedSettingsStore } from './keyed-settings-store.js';

export { MAX_REMEMBERED } from './keyed-settings-store.js';

/** Verification settings remembered per model across starts (see KeyedSettingsStore). */
export class VerifySettingsStore extends KeyedSettingsStore<VerifyInputSettings> {
  constructor(file: string) {
    super(file, verifySettingsSchema);
  }
}
