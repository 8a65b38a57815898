package dev.storageinit.azure;

/**
 * How the requests to one container authenticate, as {@link AzureAuthResolver} chose it. Records that hold a secret
 * print only their {@link #description()}: which setting was used and where it came from, never a value.
 */
sealed interface AzureAuth {
    /** Which credential was used and where it was read from; never a value. */
    String description();

    /** Shared Key: requests signed with the account's base64 key. */
    record AccountKey(String account, String key, String description) implements AzureAuth {
        @Override
        public String toString() {
            return "AccountKey[" + description + "]";
        }
    }

    /** A SAS token (without '?'), appended to every URL. */
    record Sas(String token, String description) implements AzureAuth {
        @Override
        public String toString() {
            return "Sas[" + description + "]";
        }
    }

    /** No credential: public containers only. */
    record Anonymous(String description) implements AzureAuth {}

    /** An Azure identity: {@code Authorization: Bearer} tokens for Azure Storage. */
    record Token(AzureIdentity identity, String description) implements AzureAuth {
        @Override
        public String toString() {
            return "Token[" + description + "]";
        }
    }
}
