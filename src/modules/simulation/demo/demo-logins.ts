/**
 * The password of every demo and simulation account (staff and customers), documented in the
 * README. Demo data only: the demo seed refuses to run with NODE_ENV=production.
 */
export const DEMO_PASSWORD = 'hashmarket-demo-password';

export function staffEmails(domain: string) {
  return { admin: `admin@${domain}`, operator: `operator@${domain}`, finance: `finance@${domain}` };
}
