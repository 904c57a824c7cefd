"""Library services that need the VM's help: classes defined at run time
(ClassLoader.defineClass), ServiceLoader over the system modules and the class path,
class-path resources and resource bundles, and ldc of MethodType/MethodHandle
constants, which javac never emits (a crafted class)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from interp_testlib import compile_java, run_vmforms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from jvm_testlib import ClassBuilder, u1, u2  # noqa: E402

SOURCES = {
    "Plugin": "public interface Plugin { String name(); }",
    "PluginA": "public class PluginA implements Plugin { public String name() { return \"A\"; } }",
    "PluginB": """
        public class PluginB implements Plugin {
            public static PluginB provider() { return new PluginB(); }
            public String name() { return "B"; }
        }""",
    "Main": """
        import java.io.*;
        import java.lang.invoke.*;
        import java.util.*;
        public class Main {
            static class Loader extends ClassLoader {
                Class<?> define(String name, byte[] b) { return defineClass(name, b, 0, b.length); }
            }
            public static void main(String[] args) throws Throwable {
                List<String> names = new ArrayList<>();
                for (Plugin p : ServiceLoader.load(Plugin.class)) names.add(p.name());
                System.out.println(names);
                for (var p : ServiceLoader.load(java.nio.file.spi.FileSystemProvider.class))
                    System.out.println(p.getScheme());
                byte[] bytes = new FileInputStream(args[0]).readAllBytes();
                Loader l = new Loader();
                Class<?> c = l.define("Crafted", bytes);
                System.out.println(c.getName() + " " + (c.getClassLoader() == l));
                MethodType t = (MethodType) c.getMethod("type").invoke(null);
                MethodHandle h = (MethodHandle) c.getMethod("handle").invoke(null);
                System.out.println(t + " " + h.type() + " " + (int) h.invokeExact(-5));
                try { l.define("Crafted", bytes); }
                catch (LinkageError e) { System.out.println("LinkageError"); }
                try { l.define("Other", bytes); }
                catch (NoClassDefFoundError e) { System.out.println(e.getMessage()); }
                try { l.define("Bad", new byte[] {1, 2, 3}); }
                catch (ClassFormatError e) { System.out.println("ClassFormatError"); }
                try (InputStream in = Main.class.getResourceAsStream("/META-INF/services/Plugin")) {
                    System.out.println(new String(in.readAllBytes()).trim().replace('\\n', ' '));
                }
                System.out.println(Thread.currentThread().getContextClassLoader().getClass().getSimpleName());
                System.out.println(ResourceBundle.getBundle("texts").getString("greeting") + " "
                    + ResourceBundle.getBundle("texts", Locale.FRENCH).getString("greeting"));
            }
        }""",
}


def crafted() -> bytes:
    """public class Crafted { static MethodType type() { ldc (I)I } and
    static MethodHandle handle() { ldc REF_invokeStatic Math.abs(I)I } }"""
    b = ClassBuilder("Crafted")
    mt = b.add(u1(16) + u2(b.utf8("(I)I")))
    ref = b.add(u1(10) + u2(b.klass("java/lang/Math")) + u2(b.name_and_type("abs", "(I)I")))
    mh = b.add(u1(15) + u1(6) + u2(ref))
    b.method(0x0009, "type", "()Ljava/lang/invoke/MethodType;",
             b.code(1, 0, bytes([0x12, mt, 0xB0])))
    b.method(0x0009, "handle", "()Ljava/lang/invoke/MethodHandle;",
             b.code(1, 0, bytes([0x12, mh, 0xB0])))
    return b.build()


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = compile_java(tmp_path_factory.mktemp("library"), SOURCES)
    services = out / "META-INF" / "services"
    services.mkdir(parents=True)
    (services / "Plugin").write_text("PluginA\n# a comment\nPluginB\n")
    (out / "texts.properties").write_text("greeting=hello\n")
    (out / "texts_fr.properties").write_text("greeting=bonjour\n")
    (out / "crafted").mkdir()
    (out / "crafted" / "Crafted.class").write_bytes(crafted())
    return out


def test_define_class_services_resources_and_method_constants(classes: Path) -> None:
    r = run_vmforms(classes, "-cp", ".", "Main", "crafted/Crafted.class")
    assert r.stderr == b""
    assert r.stdout.decode().splitlines() == [
        "[A, B]", "jar", "jrt", "Crafted true", "(int)int (int)int 5", "LinkageError",
        "Other (wrong name: Crafted)", "ClassFormatError", "PluginA # a comment PluginB",
        "AppClassLoader", "hello bonjour"]
    assert r.returncode == 0


PLUGIN = {
    "PlugMain": """
        package plug;
        public class PlugMain extends Base implements Named {
            public String name() { return "main"; }
            public String toString() {
                Helper h = new Helper();
                Helper[] hs = new Helper[2];
                Object o = h;
                return name() + " " + h.value() + " " + hs.length + " " + (o instanceof Helper)
                    + " " + Helper.COUNT + " " + base();
            }
        }""",
    "Base": "package plug; public class Base { protected String base() { return \"base\"; } }",
    "Named": "package plug; public interface Named { String name(); }",
    "Helper": """
        package plug;
        public class Helper {
            public static int COUNT = 3;
            public String value() { return "ok"; }
        }""",
}
LOADER = {
    "DirLoader": """
        import java.io.*;
        import java.nio.file.*;
        public class DirLoader extends ClassLoader {
            final Path dir;
            DirLoader(Path dir) { super(DirLoader.class.getClassLoader()); this.dir = dir; }
            @Override protected Class<?> findClass(String name) throws ClassNotFoundException {
                try {
                    byte[] b = Files.readAllBytes(dir.resolve(name.replace('.', '/') + ".class"));
                    return defineClass(name, b, 0, b.length);
                } catch (IOException e) { throw new ClassNotFoundException(name); }
            }
            public static void main(String[] args) throws Exception {
                DirLoader l = new DirLoader(Path.of(args[0]));
                Class<?> c = l.loadClass("plug.PlugMain");
                System.out.println((c.getClassLoader() == l) + " "
                    + c.getDeclaredConstructor().newInstance());
                try { l.loadClass("plug.Missing"); }
                catch (ClassNotFoundException e) {
                    System.out.println("missing " + e.getMessage());
                }
            }
        }""",
}


def test_classes_of_a_program_loader_resolve_through_it(tmp_path: Path) -> None:
    plugins = compile_java(tmp_path / "plugins", PLUGIN)
    app = compile_java(tmp_path / "app", LOADER)
    r = run_vmforms(app, "-cp", ".", "DirLoader", str(plugins))
    assert r.stderr == b""
    assert r.stdout.decode().splitlines() == ["true main ok 2 true 3 base",
                                              "missing plug.Missing"]
