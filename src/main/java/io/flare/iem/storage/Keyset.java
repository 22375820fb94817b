package io.flare.iem.storage;

import java.time.Instant;
import java.util.UUID;

/**
 * Positions in keyset-paged lists: a page starts after the keys of the previous page's last row
 * (null: from the start). Repositories take them; the gRPC edge carries them in opaque page tokens.
 */
public final class Keyset {

  private Keyset() {}

  /** A position in a list ordered by time then id (newest-first lists). */
  public record TimeAndId(Instant time, UUID id) {}

  /** A position in a list ordered by a text then id (identities by login). */
  public record TextAndId(String text, UUID id) {}
}
