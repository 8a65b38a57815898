package dev.storageinit.testkit;

/**
 * The faults the {@link ConformanceSuite} injects between a provider and its store's data: a {@link FaultProxy} on
 * the wire, or a store's own injector where there is no wire to sit on (the in-memory store). Each fault has a
 * counter, so that a clause never passes without its fault having happened.
 */
public interface Faults {

    /** Breaks the next {@code connections} connections (reads, without a wire) after {@code bytes} of response. */
    void cutAfter(long bytes, int connections);

    /** How many connections {@link #cutAfter} broke. */
    int cutsDone();

    /**
     * The bodies of the next {@code reads} ranged reads stop after {@code bytes}, without an end: only the reader's
     * read timeout ({@code STORAGE_READ_TIMEOUT}) ends the wait.
     */
    void stallRangedReads(int reads, long bytes);

    /** How many bodies {@link #stallRangedReads} stalled. */
    int stallsDone();

    /** Answers the next {@code times} ranged reads with the HTTP status {@code status} ({@code reason} its phrase). */
    void failNextRangedReads(int times, int status, String reason);

    /** How many reads {@link #failNextRangedReads} answered with its status. */
    int cannedSent();
}
