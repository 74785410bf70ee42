package dev.valjean.common;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A JSON text field that may hold line breaks (Markdown bodies, consent texts, addresses). Every
 * other text field of a request is one line: CR and LF are refused there, as is every other
 * control character everywhere (see {@link StrictJson}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD, ElementType.RECORD_COMPONENT })
public @interface MultiLine {
}
