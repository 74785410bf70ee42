package dev.valjean.events;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;

/** Who hears Valjean's events: a URL, the event types it wants, the secret its deliveries are signed with. */
@Path("/api/v1/event-subscribers")
@Authorized(Role.ADMIN)
public class EventSubscriberResource {

    public record CreateSubscriber(@NotNull @Size(max = 2000) String url, @NotNull @Size(min = 1, max = 20) List<String> events,
            @Size(min = 16, max = 200) String secret) {
    }

    private final EventSubscribers subscribers;

    public EventSubscriberResource(EventSubscribers subscribers) {
        this.subscribers = subscribers;
    }

    /** Adds a subscriber; without a {@code secret} one is made, shown once. Events from now on are queued for it. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Add an event subscriber")
    @POST
    public Response create(@Valid @NotNull CreateSubscriber r) {
        EventSubscribers.SubscriberView v = subscribers.create(r.url(), r.events(), r.secret());
        return Response.created(URI.create("/api/v1/event-subscribers/" + v.id())).entity(v).build();
    }

    /** Every subscriber with how many events wait for it and whether it is paused (no secrets). */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "List event subscribers")
    @GET
    public List<EventSubscribers.SubscriberView> list() {
        return subscribers.list();
    }

    /** Stops sending to a subscriber; what waits for it is dropped. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Remove an event subscriber")
    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") long id) {
        subscribers.delete(id);
        return Response.noContent().build();
    }

    /** Resumes a paused subscriber: what waited is sent, in order, from now. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Resume a paused event subscriber")
    @POST
    @Path("/{id}/resume")
    public EventSubscribers.SubscriberView resume(@PathParam("id") long id) {
        return subscribers.resume(id);
    }
}
