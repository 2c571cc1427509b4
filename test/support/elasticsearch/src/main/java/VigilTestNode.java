import java.io.Closeable;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.transport.TransportAddress;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * A single-node Elasticsearch for tests: plain HTTP on 127.0.0.1 (security is an x-pack plugin,
 * not on the classpath), an OS-chosen HTTP port, everything under one home directory. Prints
 * "vigil-test-node ready http://127.0.0.1:<port>" once it answers, and stops on SIGTERM or when
 * its stdin closes (so a killed test runner cannot leave it behind).
 *
 * The server's Node loads plugins only from a plugins directory; the test framework's MockNode
 * takes them as classes, which is how Netty4Plugin (the HTTP server) gets in. MockNode's public
 * constructors prepare their settings through ESTestCase, whose static setup needs the randomized
 * test runner and refuses to run as root; the private constructor that takes a ready Environment
 * does neither, so it is called by reflection (MockNode.java in the framework's sources).
 *
 * Usage: java -cp <classpath> VigilTestNode <home dir>. test/support/java/TestNode.java holds what
 * the OpenSearch and Elasticsearch launchers share.
 */
public final class VigilTestNode {
  public static void main(String[] args) throws Exception {
    Path home = TestNode.home(args);
    Settings settings = Settings.builder().loadFromMap(TestNode.settings(home)).build();
    LogConfigurator.configureESLogging();
    LogConfigurator.configureWithoutConfig(settings);

    Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "vigil-test");
    Constructor<MockNode> constructor = MockNode.class.getDeclaredConstructor(Environment.class, Collection.class, boolean.class, Closeable.class);
    constructor.setAccessible(true);
    Closeable nothing = () -> {};
    Node node = constructor.newInstance(environment, List.of(Netty4Plugin.class), true, nothing);
    node.start();
    TransportAddress http = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();

    TestNode.serve(http.getAddress(), http.getPort(), node);
  }
}
