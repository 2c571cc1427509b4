import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single-node OpenSearch for tests: plain HTTP on 127.0.0.1 (the security plugin is not on the
 * classpath), an OS-chosen HTTP port, everything under one home directory. Prints
 * "vigil-test-node ready http://127.0.0.1:<port>" once it answers, and stops on SIGTERM or when
 * its stdin closes (so a killed test runner cannot leave it behind).
 *
 * Usage: java -cp <classpath> VigilTestNode <home dir>. test/support/java/TestNode.java holds what
 * the OpenSearch and Elasticsearch launchers share.
 */
public final class VigilTestNode {
  /** Node's constructor that takes plugins from the classpath is protected. */
  private static final class ClasspathNode extends Node {
    ClasspathNode(Settings settings) {
      super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "vigil-test"), List.of(Netty4Plugin.class), true);
    }
  }

  public static void main(String[] args) throws Exception {
    Path home = TestNode.home(args);
    Settings settings = Settings.builder().loadFromMap(TestNode.settings(home)).build();
    LogConfigurator.configureWithoutConfig(settings);

    Node node = new ClasspathNode(settings);
    node.start();
    TransportAddress http = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();

    TestNode.serve(http.getAddress(), http.getPort(), node);
  }
}
