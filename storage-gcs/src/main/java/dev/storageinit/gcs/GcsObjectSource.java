package dev.storageinit.gcs;

import com.google.api.gax.paging.Page;
import com.google.auth.Retryable;
import com.google.cloud.BaseServiceException;
import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobField;
import com.google.cloud.storage.Storage.BlobGetOption;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobSourceOption;
import dev.storageinit.AccessDeniedException;
import dev.storageinit.IntegrityException;
import dev.storageinit.ModelUri;
import dev.storageinit.NotFoundException;
import dev.storageinit.StorageException;
import dev.storageinit.TransferException;
import dev.storageinit.spi.Checksum;
import dev.storageinit.spi.ObjectSource;
import dev.storageinit.spi.RemoteObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** One bucket, read through google-cloud-storage's JSON API client. */
final class GcsObjectSource implements ObjectSource {
    /** GCS's largest page. */
    static final int PAGE_SIZE = 1000;
    private static final BlobField[] FIELDS = {
        BlobField.NAME, BlobField.SIZE, BlobField.GENERATION, BlobField.CRC32C, BlobField.MD5HASH
    };

    private final ModelUri uri;
    private final String shown;
    private final String bucket;
    private final String key;
    private final GcsSettings settings;
    private final Storage storage;

    GcsObjectSource(ModelUri uri, String bucket, String key, GcsSettings settings, Storage storage) {
        this.uri = uri;
        this.shown = uri.redacted();
        this.bucket = bucket;
        this.key = key;
        this.settings = settings;
        this.storage = storage;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public void list(String prefix, Consumer<RemoteObject> sink) throws StorageException {
        List<BlobListOption> options = new ArrayList<>();
        if (!prefix.isEmpty()) {
            options.add(BlobListOption.prefix(prefix));
        }
        options.add(BlobListOption.pageSize(PAGE_SIZE));
        options.add(BlobListOption.fields(FIELDS));
        try {
            Page<Blob> page = storage.list(bucket, options.toArray(new BlobListOption[0]));
            while (page != null) {
                for (Blob blob : page.getValues()) {
                    sink.accept(toRemote(blob));
                }
                page = page.hasNextPage() ? page.getNextPage() : null;
            }
        } catch (RuntimeException e) {
            throw translate(e, "listing gs://" + bucket + "/" + prefix);
        }
    }

    @Override
    public Optional<RemoteObject> stat(String objectKey) throws StorageException {
        if (objectKey.isEmpty()) {
            return Optional.empty();
        }
        try {
            Blob blob = storage.get(BlobId.of(bucket, objectKey), BlobGetOption.fields(FIELDS));
            return blob == null ? Optional.empty() : Optional.of(toRemote(blob));
        } catch (RuntimeException e) {
            throw translate(e, "reading the metadata of gs://" + bucket + "/" + objectKey);
        }
    }

    static RemoteObject toRemote(Blob blob) {
        Long size = blob.getSize();
        Long generation = blob.getGeneration();
        Checksum checksum = null;
        // one checksum per object: CRC32C is always there (also for composite objects) and cheap to compute;
        // MD5 only when a store gives no CRC32C
        if (blob.getCrc32c() != null) {
            checksum = Checksum.ofBase64(Checksum.Algorithm.CRC32C, blob.getCrc32c());
        } else if (blob.getMd5() != null) {
            checksum = Checksum.ofBase64(Checksum.Algorithm.MD5, blob.getMd5());
        }
        return new RemoteObject(blob.getName(), size == null ? 0 : size,
                generation == null ? null : generation.toString(), checksum);
    }

    @Override
    public InputStream read(RemoteObject object, long offset, long length) throws StorageException {
        String what = "reading gs://" + bucket + "/" + object.key();
        List<BlobSourceOption> options = new ArrayList<>();
        options.add(BlobSourceOption.shouldReturnRawInputStream(true)); // bytes as stored, never gunzipped
        if (object.version() != null) {
            try {
                options.add(BlobSourceOption.generationMatch(Long.parseLong(object.version())));
            } catch (NumberFormatException e) {
                throw new IntegrityException(shown, what + ": generation '" + object.version() + "' is not a number");
            }
        }
        ReadChannel channel;
        try {
            channel = storage.reader(BlobId.of(bucket, object.key()), options.toArray(new BlobSourceOption[0]));
            channel.setChunkSize(0); // unbuffered: the engine reads into its own buffer
            channel.seek(offset);
            channel.limit(offset + length);
        } catch (IOException | RuntimeException e) {
            throw translate(e, what);
        }
        return new ChannelStream(channel, what);
    }

    @Override
    public void close() {
        try {
            storage.close();
        } catch (Exception e) {
            // nothing useful to do
        }
    }

    /** Maps a client error to the library's typed errors. */
    StorageException translate(Throwable error, String what) {
        BaseServiceException service = null;
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof StorageException) {
                return (StorageException) t;
            }
            if (t instanceof BaseServiceException) {
                service = (BaseServiceException) t;
                break;
            }
        }
        Throwable auth = authFailure(error);
        if (auth != null) {
            if (((Retryable) auth).isRetryable()) {
                return new TransferException(shown, what + ": could not get an access token (" + firstLine(
                        auth.getMessage()) + ") using " + settings.credentialSource, true, error);
            }
            return new AccessDeniedException(shown, what + ": the token endpoint refused the credentials ("
                    + firstLine(auth.getMessage()) + ") using " + settings.credentialSource, error);
        }
        int code = service == null ? 0 : service.getCode();
        String reason = firstLine(service != null ? service.getMessage() : String.valueOf(error));
        switch (code) {
            case 404:
                return new NotFoundException(shown, what + ": not found (404" + reasonSuffix(reason) + ")", error);
            case 401:
            case 403:
                return new AccessDeniedException(shown, what + ": access denied (" + code + reasonSuffix(reason)
                        + ") using " + settings.credentialSource, error);
            case 412:
                return new IntegrityException(shown, what + ": the object changed while it was read (412 "
                        + "generation precondition failed)", error);
            case 0:
                return new TransferException(shown, what + ": " + reason, true, error);
            default:
                boolean retryable = code == 408 || code == 429 || code >= 500;
                return new TransferException(shown, what + ": HTTP " + code + reasonSuffix(reason), retryable, error);
        }
    }

    /** The auth library's error (token endpoint refused or unreachable), or null. */
    private static Throwable authFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof Retryable && t.getClass().getName().startsWith("com.google.auth.")) {
                return t;
            }
        }
        return null;
    }

    private static String reasonSuffix(String reason) {
        return reason.isEmpty() ? "" : ": " + reason;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        String m = nl < 0 ? message : message.substring(0, nl);
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    /** The channel as a stream; errors come out typed (412 as integrity, 5xx and cut connections retryable). */
    private final class ChannelStream extends InputStream {
        private final ReadChannel channel;
        private final String what;

        ChannelStream(ReadChannel channel, String what) {
            this.channel = channel;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            try {
                int n;
                do {
                    n = channel.read(ByteBuffer.wrap(b, off, len));
                } while (n == 0);
                return n;
            } catch (IOException | RuntimeException e) {
                throw translate(e, what);
            }
        }

        @Override
        public void close() {
            channel.close();
        }
    }
}
