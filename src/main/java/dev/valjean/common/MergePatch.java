package dev.valjean.common;

import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * JSON Merge Patch (RFC 7396): the patch's members replace the target's, {@code null} removes
 * one, objects merge member by member, anything else (arrays included) replaces as a whole.
 */
public final class MergePatch {

    /** The media type a merge patch is sent with. */
    public static final String MEDIA_TYPE = "application/merge-patch+json";

    private MergePatch() {
    }

    /** The target with the patch applied (RFC 7396 section 2); neither argument is changed. */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            return patch == null ? JsonNodeFactory.instance.nullNode() : patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isNull()) {
                result.remove(f.getKey());
            } else {
                result.set(f.getKey(), apply(result.get(f.getKey()), f.getValue()));
            }
        }
        return result;
    }
}
