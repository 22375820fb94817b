package io.flare.iem.okta;

/**
 * One way Okta blocks a user from signing in ({@code GET /api/v1/users/{id}/blocks}, Identity
 * Engine; Okta management spec {@code UserBlock}): {@code type} {@code DEVICE_BASED}, and
 * {@code appliesTo} {@code UNKNOWN_DEVICES} (sign-ins from devices Okta has not seen the user use are
 * refused, as ours always are) or {@code ANY_DEVICES} (the account is locked out).
 */
public record UserBlock(String type, String appliesTo) {

  /** Whether the block refuses sign-ins from every device (a full lockout). */
  public boolean anyDevice() {
    return "ANY_DEVICES".equals(appliesTo);
  }
}
