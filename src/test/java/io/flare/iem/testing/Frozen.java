package io.flare.iem.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server process and everything it forked, stopped with SIGSTOP: a hang, not an outage. Its
 * sockets stay open and it answers nothing (no reset, no close) until {@link #close()} sends
 * SIGCONT, and it then carries on with whatever it had read.
 */
public final class Frozen implements AutoCloseable {

  private final Runnable thaw;
  private boolean thawed;

  private Frozen(Runnable thaw) {
    this.thaw = thaw;
  }

  /** A hang that {@code thaw} ends (a simulated server's, say), to be ended the same way. */
  public static Frozen of(Runnable thaw) {
    return new Frozen(thaw);
  }

  /** Stops {@code root} first (it forks no more), then its descendants. */
  public static Frozen freeze(ProcessHandle root) {
    List<Long> pids = new ArrayList<>();
    pids.add(root.pid());
    signal("STOP", pids);
    root.descendants().forEach(p -> pids.add(p.pid()));
    signal("STOP", pids);
    return new Frozen(() -> signal("CONT", pids));
  }

  /** Lets every stopped process run again. */
  @Override
  public synchronized void close() {
    if (!thawed) {
      thawed = true;
      thaw.run();
    }
  }

  private static void signal(String signal, List<Long> pids) {
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    pids.forEach(pid -> command.add(Long.toString(pid)));
    try {
      Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException(command + " failed: " + new String(kill.getInputStream().readAllBytes()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
