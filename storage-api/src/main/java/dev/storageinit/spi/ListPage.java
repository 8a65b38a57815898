package dev.storageinit.spi;

import java.util.List;

/**
 * One page of a listing, as {@link ObjectSource#list} returns it.
 *
 * @param objects the objects on this page, in the store's order
 * @param nextToken what asks for the next page (a continuation token, marker or cursor, opaque to the engine);
 *     null on the last page
 */
public record ListPage(List<RemoteObject> objects, String nextToken) {
    /** Copies the objects. */
    public ListPage {
        objects = List.copyOf(objects);
    }

    /** The last (or only) page. */
    public static ListPage last(List<RemoteObject> objects) {
        return new ListPage(objects, null);
    }

    /** Whether no page follows this one. */
    public boolean isLast() {
        return nextToken == null;
    }
}
