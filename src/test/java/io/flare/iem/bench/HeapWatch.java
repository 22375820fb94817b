package io.flare.iem.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Heap use of this JVM during one measurement: the peak of heap in use at any moment (live data
 * and garbage not yet collected, what {@code -Xmx} must hold) and the peak of heap still in use
 * right after a collection (closer to the live set; an upper bound on it, since a young
 * collection leaves old garbage in place).
 */
final class HeapWatch {

  private static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
  private static final AtomicLong PEAK_AFTER_GC = new AtomicLong();
  private static boolean listening;

  /** Peak heap in use, and peak heap in use right after a collection, in bytes. */
  record Peaks(long used, long afterGc) {}

  private HeapWatch() {}

  /** Collects garbage and starts a new measurement. */
  static synchronized void reset() {
    listen();
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
    PEAK_AFTER_GC.set(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
  }

  /** The peaks since {@link #reset()}. */
  static Peaks peaks() {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        used += pool.getPeakUsage().getUsed();
      }
    }
    return new Peaks(used, PEAK_AFTER_GC.get());
  }

  /** The JVM's maximum heap ({@code -Xmx}), in bytes. */
  static long maxHeap() {
    return Runtime.getRuntime().maxMemory();
  }

  private static void listen() {
    if (listening) {
      return;
    }
    listening = true;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
          return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()).getGcInfo();
        long after = 0;
        for (var e : info.getMemoryUsageAfterGc().entrySet()) {
          if (HEAP_POOLS.contains(e.getKey())) {
            MemoryUsage u = e.getValue();
            after += u.getUsed();
          }
        }
        PEAK_AFTER_GC.accumulateAndGet(after, Math::max);
      }, null, null);
    }
  }
}
