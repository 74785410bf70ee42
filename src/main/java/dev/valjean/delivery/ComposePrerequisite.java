package dev.valjean.delivery;

import java.util.Optional;

/**
 * Something this instance needs before it can compose mail (a layouts folder, a postal address,
 * a key). Features that render mail at send time provide one; {@link ComposeReadiness} asks them.
 */
public interface ComposePrerequisite {

    /** What is missing, in words for an operator; empty when all is in place. */
    Optional<String> problem();
}
