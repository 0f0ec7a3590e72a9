import { BadUserInputError, truncate } from '../errors.js';
import { redact } from '../redact.js';

/** Longest `cgiPath` accepted; WeChat's longest API paths are well under 100 characters. */
export const MAX_CGI_PATH_LENGTH = 128;
/** Longest `rid` accepted; WeChat's are three groups of 8 hex digits (26 characters). */
const MAX_RID_LENGTH = 64;

/** A path such as `/cgi-bin/token`: a slash, then path characters only (no query, fragment, space). */
const CGI_PATH = /^\/[A-Za-z0-9_\-./]*$/;
/** WeChat's request id: dash-separated groups of hex digits, e.g. `6554f9b5-1c9a1ea4-3d7a56aa`. */
const RID = /^[0-9a-f]+(?:-[0-9a-f]+)+$/;

/** How a refused value appears in the message: short ones quoted (redacted: a pasted secret stays out), long ones by size. */
function shown(value: string): string {
  return value.length > 40 ? `${value.length} characters` : JSON.stringify(redact(truncate(value, 40)));
}

/** The API path `apiQuota` asks about, checked before WeChat is called (BAD_USER_INPUT otherwise). */
export function validateCgiPath(cgiPath: string): string {
  if (cgiPath.length === 0 || cgiPath.length > MAX_CGI_PATH_LENGTH) {
    throw new BadUserInputError(
      `cgiPath must be 1 to ${MAX_CGI_PATH_LENGTH} characters, e.g. "/cgi-bin/token" (got ${cgiPath.length}).`,
    );
  }
  if (/[?#]/.test(cgiPath)) {
    throw new BadUserInputError(
      `cgiPath must be a path without a query string or fragment, e.g. "/cgi-bin/token" (got ${shown(cgiPath)}).`,
    );
  }
  if (!CGI_PATH.test(cgiPath) || cgiPath.includes('..')) {
    throw new BadUserInputError(
      `cgiPath must start with "/" (usually "/cgi-bin/") and hold only letters, digits, "_", "-", "." and "/", e.g. "/cgi-bin/token" (got ${shown(cgiPath)}).`,
    );
  }
  return cgiPath;
}

/** A rid as WeChat prints it at the end of an errmsg (and in `extensions.rid`). */
export function validateRid(rid: string): string {
  if (rid.length === 0 || rid.length > MAX_RID_LENGTH || !RID.test(rid)) {
    throw new BadUserInputError(
      `rid must be WeChat's request id as in an error's extensions.rid, e.g. "6554f9b5-1c9a1ea4-3d7a56aa" (got ${shown(rid)}).`,
    );
  }
  return rid;
}
