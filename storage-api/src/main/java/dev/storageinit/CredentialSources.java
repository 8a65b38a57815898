package dev.storageinit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Implementations behind the {@link CredentialSource} factories; package-private, not part of the API. */
final class CredentialSources {
    private CredentialSources() {}

    /** The process environment. */
    static final CredentialSource ENVIRONMENT = new CredentialSource() {
        @Override
        public Optional<String> get(String name) {
            return nonBlank(System.getenv(name));
        }

        @Override
        public String description() {
            return "environment";
        }

        @Override
        public String toString() {
            return "CredentialSource[environment]";
        }
    };

    static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    /** A copied map. */
    static final class MapSource implements CredentialSource {
        private final Map<String, String> values;

        MapSource(Map<String, String> values) {
            this.values = Map.copyOf(new TreeMap<>(values));
        }

        @Override
        public Optional<String> get(String name) {
            return nonBlank(values.get(name));
        }

        @Override
        public String description() {
            return "settings map";
        }

        @Override
        public String toString() {
            return "CredentialSource[map, names=" + new TreeMap<>(values).keySet() + "]";
        }
    }

    /** One file per name in a directory (a mounted Kubernetes secret). */
    static final class DirectorySource implements CredentialSource {
        private final Path dir;

        DirectorySource(Path dir) {
            this.dir = dir;
        }

        @Override
        public Optional<String> get(String name) {
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                return Optional.empty();
            }
            try {
                String value = Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
                return nonBlank(value.replaceAll("[\r\n]+$", ""));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read secret file " + dir.resolve(name), e);
            }
        }

        @Override
        public String description() {
            return "directory " + dir;
        }

        @Override
        public String toString() {
            return "CredentialSource[directory " + dir + "]";
        }
    }

    /** The first member that has a name wins. */
    static final class FirstSource implements CredentialSource {
        private final List<CredentialSource> members;

        FirstSource(List<CredentialSource> members) {
            this.members = List.copyOf(members);
        }

        @Override
        public Optional<String> get(String name) {
            for (CredentialSource s : members) {
                Optional<String> v = s.get(name);
                if (v.isPresent()) {
                    return v;
                }
            }
            return Optional.empty();
        }

        @Override
        public String describe(String name) {
            for (CredentialSource s : members) {
                if (s.get(name).isPresent()) {
                    return s.describe(name);
                }
            }
            return description();
        }

        @Override
        public String description() {
            StringBuilder sb = new StringBuilder();
            for (CredentialSource s : members) {
                sb.append(sb.length() == 0 ? "" : ", then ").append(s.description());
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return "CredentialSource[" + description() + "]";
        }
    }
}
