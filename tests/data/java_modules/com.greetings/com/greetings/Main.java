package com.greetings;

import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.Method;
import org.astro.World;

/** A two-module program: named modules from the module path, their descriptors,
 * readability and strong encapsulation between them and towards java.base. */
public class Main {
    public static void main(String[] args) throws Exception {
        System.out.println("Greetings " + World.name() + "! " + String.join(",", args));
        Module me = Main.class.getModule();
        Module astro = World.class.getModule();
        System.out.println(me + " " + astro + " " + me.isNamed() + " " + me.getClassLoader().getName());
        System.out.println(me.getDescriptor().requires().stream().map(r -> r.name()).sorted().toList());
        System.out.println(astro.getDescriptor().exports().stream().map(e -> e.source()).sorted().toList() + " " + astro.getPackages().stream().sorted().toList());
        System.out.println(me.canRead(astro) + " " + astro.canRead(me) + " " + me.canRead(Object.class.getModule())
            + " " + me.canRead(java.util.logging.Logger.class.getModule()));
        System.out.println(astro.isExported("org.astro", me) + " " + astro.isExported("org.astro.internal", me)
            + " " + astro.isOpen("org.astro.internal", me) + " " + astro.isOpen("org.astro.internal"));
        System.out.println((me.getLayer() == ModuleLayer.boot()) + " " + ModuleLayer.boot().findModule("org.astro").isPresent());
        Class<?> secret = Class.forName("org.astro.internal.Secret");
        Method m = secret.getDeclaredMethod("code");
        try {
            System.out.println(m.invoke(null));
        } catch (IllegalAccessException e) {
            System.out.println(e.getMessage());
        }
        m.setAccessible(true);
        System.out.println(m.invoke(null));
        try {
            String.class.getDeclaredField("hash").setAccessible(true);
        } catch (InaccessibleObjectException e) {
            System.out.println(e.getMessage());
        }
        System.out.println(System.getProperty("jdk.module.main"));
        for (org.astro.spi.Star s : java.util.ServiceLoader.load(org.astro.spi.Star.class)) {
            System.out.println("star " + s.name() + " " + s.getClass().getModule());
        }
        try {
            java.util.ServiceLoader.load(java.sql.Driver.class).findFirst();
        } catch (java.util.ServiceConfigurationError e) {
            System.out.println(e.getMessage());
        }
        if (args.length == 1) {
            throw new IllegalStateException(World.name());
        }
    }
}
