package io.flare.iem.okta;

import java.time.Instant;

/**
 * Okta refuses the org's authn calls from this service's address (HTTP 403): since when (the
 * service's clock), the {@code X-Okta-Request-Id} of the first refusal, how many probes were
 * refused since, and when the next probe may go.
 */
public record AuthnBlock(String domain, Instant since, String requestId, int refusedProbes, Instant nextProbe) {}
