package dev.storageinit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.storageinit.spi.TransferLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    private final List<Work> submitted = new ArrayList<>();
    private boolean closed;

    private void pool(TransferEngine.Work work) {
        if (closed) {
            throw new RejectedExecutionException();
        }
        submitted.add((Work) work);
    }

    private final class File implements Admission.File {
        final String name;
        final long size;
        final List<Work> units = new ArrayList<>();
        final ArrayDeque<Work> pending = new ArrayDeque<>();
        Admission admission;

        File(String name, long size, int count) {
            this.name = name;
            this.size = size;
            for (int i = 0; i < count; i++) {
                units.add(new Work(this, i));
            }
            pending.addAll(units);
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public TransferEngine.Work nextUnit() {
            return pending.poll();
        }
    }

    private static final class Work implements TransferEngine.Work {
        static int depth;
        static int maxDepth;
        final File file;
        final int index;
        boolean cancelled;

        Work(File file, int index) {
            this.file = file;
            this.index = index;
        }

        @Override
        public long fileSize() {
            return file.size;
        }

        @Override
        public long sequence() {
            return index;
        }

        @Override
        public void run() {}

        @Override
        public void cancel() {
            depth++;
            maxDepth = Math.max(maxDepth, depth);
            cancelled = true;
            file.admission.unitEnded(file); // as a FileTransfer does: its next unit goes
            depth--;
        }

        @Override
        public String toString() {
            return file.name + index;
        }
    }

    private Admission admission(int maxFiles, int maxRangesPerFile) {
        return new Admission(this::pool, new TransferLimits(maxFiles, maxRangesPerFile));
    }

    @Test
    void aFreedFileSlotGoesToTheLargestWaitingFile() {
        Admission a = admission(1, 10);
        a.admit(new File("first", 5, 1));
        a.admit(new File("small", 1, 1));
        a.admit(new File("large", 9, 1));
        a.admit(new File("middle", 4, 1));
        assertThat(submitted).hasToString("[first0]");

        a.fileEnded();
        assertThat(submitted).hasToString("[first0, large0]");
        a.fileEnded();
        a.fileEnded();
        assertThat(submitted).hasToString("[first0, large0, middle0, small0]");
    }

    @Test
    void aFileHasAtMostItsRangeLimitOfUnitsSubmittedAndTheNextGoesAsOneEnds() {
        Admission a = admission(10, 2);
        File f = new File("f", 5, 4);
        a.admit(f);
        assertThat(submitted).hasToString("[f0, f1]");

        a.unitEnded(f);
        assertThat(submitted).hasToString("[f0, f1, f2]");
        a.unitEnded(f);
        a.unitEnded(f);
        assertThat(submitted).hasToString("[f0, f1, f2, f3]");
    }

    @Test
    void startingAgainKeepsTheSlot() {
        Admission a = admission(1, 1);
        File f = new File("f", 5, 1);
        a.admit(f);
        a.admit(new File("other", 1, 1));
        f.pending.add(new Work(f, 1)); // a whole-file retry
        a.start(f);

        assertThat(submitted).hasToString("[f0, f1]");
    }

    @Test
    void workTheClosedPoolRefusesIsCancelledOneAfterTheOtherNotByRecursion() {
        Admission a = admission(10, 1);
        File f = new File("f", 5, 1000);
        f.admission = a;
        closed = true;
        Work.depth = 0;
        Work.maxDepth = 0;
        a.admit(f);

        assertThat(f.units).allMatch(w -> w.cancelled);
        assertThat(submitted).isEmpty();
        assertThat(Work.maxDepth).isEqualTo(1);
    }
}
