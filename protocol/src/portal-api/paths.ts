export const PORTAL_API_PATHS = {
  references: '/internal/v1/references',
  challenges: '/internal/v1/challenges',
  settle: '/internal/v1/settle',
} as const;
