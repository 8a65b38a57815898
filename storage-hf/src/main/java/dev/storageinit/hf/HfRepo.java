package dev.storageinit.hf;

import dev.storageinit.InvalidUriException;
import dev.storageinit.ModelUri;
import java.util.regex.Pattern;

/**
 * A model repository and revision as KServe's initializer reads {@code hf://<owner>/<model>[:<revision>]}: the text
 * after {@code hf://} split on {@code /} must give exactly two parts, owner and model, neither empty; the model part
 * is split at its first {@code :}, and an empty or missing revision is {@code main}. No sub-path, no repo type
 * (models only). The ids are checked as huggingface_hub checks them before sending a request.
 *
 * @param owner user or organisation
 * @param name the model's name
 * @param revision branch, tag or commit as given; {@code main} when none was
 */
record HfRepo(String owner, String name, String revision) {
    static final String DEFAULT_REVISION = "main";
    private static final String FORMAT = "Invalid Hugging Face URI format";
    /** huggingface_hub's {@code REPO_ID_REGEX} for one part (Python's {@code \w} is Unicode-aware). */
    private static final Pattern ID_PART = Pattern.compile("\\b[\\w\\-.]{1,96}\\b", Pattern.UNICODE_CHARACTER_CLASS);

    /**
     * @throws InvalidUriException with KServe's texts for a malformed URI, and huggingface_hub's for an id it
     *     refuses
     */
    static HfRepo parse(ModelUri uri) throws InvalidUriException {
        String text = uri.text();
        String shown = uri.redacted();
        String[] parts = text.substring(text.indexOf("://") + 3).split("/", -1);
        if (parts.length != 2) {
            throw new InvalidUriException(
                    shown, FORMAT + ". Expected 'hf://owner/model[:revision]', got '" + shown + "'");
        }
        String owner = parts[0];
        if (owner.isEmpty()) {
            throw new InvalidUriException(shown, FORMAT + ": repository owner cannot be empty");
        }
        int colon = parts[1].indexOf(':');
        String name = colon < 0 ? parts[1] : parts[1].substring(0, colon);
        String revision = colon < 0 ? "" : parts[1].substring(colon + 1);
        if (name.isEmpty()) {
            throw new InvalidUriException(shown, FORMAT + ": model name cannot be empty");
        }
        for (String part : new String[] {owner, name}) {
            if (!ID_PART.matcher(part).matches() || part.contains("--") || part.contains("..")) {
                throw new InvalidUriException(
                        shown,
                        "Repo id must use alphanumeric chars or '-', '_', '.', '--' and '..' are forbidden, '-' and"
                                + " '.' cannot start or end the name, max length is 96: '" + owner + "/" + name + "'");
            }
        }
        return new HfRepo(owner, name, revision.isEmpty() ? DEFAULT_REVISION : revision);
    }

    /** {@code owner/name}. */
    String id() {
        return owner + "/" + name;
    }
}
