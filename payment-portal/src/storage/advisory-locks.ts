/**
 * The portal's two-int advisory lock namespaces (the first key; the second names the object). The
 * two-int key space does not overlap the one-bigint key space of MIGRATION_LOCK_KEY.
 */
export const ADVISORY_LOCK_CLASS = {
  /** Per client address (hashtext of it): invoice creation and its rate limit. */
  clientInvoices: 0x7470_0402,
  /** The retention job (second key 1): one replica deletes per batch. */
  retention: 0x7470_0403,
  /** Site writes (second key 0): the host-overlap check and the write happen as one. */
  sites: 0x7470_0404,
} as const;
