package dev.valjean.support;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Singleton;

import dev.valjean.bounce.SnsMessages;

/** What SNS would serve, without the network: the test's signing certificate, and a record of subscription confirmations (a singleton: its fields are read through no proxy). */
@Singleton
public class TestSnsWeb implements SnsMessages.Web {

    public final Map<URI, byte[]> served = new ConcurrentHashMap<>();
    public final List<URI> visited = new CopyOnWriteArrayList<>();

    @Override
    public byte[] get(URI uri) throws java.io.IOException {
        visited.add(uri);
        byte[] body = served.get(uri);
        if (body == null) {
            throw new java.io.IOException("not served in the test: " + uri);
        }
        return body;
    }
}
