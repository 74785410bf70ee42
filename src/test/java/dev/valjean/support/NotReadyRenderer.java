package dev.valjean.support;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.delivery.ContentRenderer;
import dev.valjean.delivery.InstanceNotReady;
import dev.valjean.delivery.OutboxRepository;

/** Content this instance cannot render because of its own configuration ("not-ready:<n>"), as a replica without layouts. */
@ApplicationScoped
public class NotReadyRenderer implements ContentRenderer {

    @Override
    public String prefix() {
        return "not-ready";
    }

    @Override
    public Headers headers(String contentRef) {
        throw new InstanceNotReady("the layouts folder of this instance lacks the layout");
    }

    @Override
    public Rendered render(String contentRef, OutboxRepository.Claimed row) {
        throw new InstanceNotReady("the layouts folder of this instance lacks the layout");
    }
}
