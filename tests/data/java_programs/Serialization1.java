import java.io.*;
import java.util.*;

public class Serialization1 {
    static class Base { int baseField = 1; Base() { baseField = 5; } }

    static class Person extends Base implements Serializable {
        private static final long serialVersionUID = 42L;
        String name;
        int age;
        transient String cache = "cached";
        List<String> tags = new ArrayList<>();
        Person friend;
        Person(String name, int age) { this.name = name; this.age = age; }
        public String toString() { return name + "(" + age + ", cache=" + cache + ", base=" + baseField + ", tags=" + tags + ")"; }
    }

    static class Custom implements Serializable {
        int value;
        transient int derived;
        Custom(int v) { value = v; derived = v * 2; }
        private void writeObject(ObjectOutputStream out) throws IOException { out.defaultWriteObject(); out.writeUTF("extra-" + value); }
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            derived = value * 2;
            System.out.println("readObject saw " + in.readUTF());
        }
    }

    static class Ext implements Externalizable {
        String data = "unset";
        public Ext() {}
        Ext(String d) { data = d; }
        public void writeExternal(ObjectOutput out) throws IOException { out.writeInt(data.length()); out.writeChars(data); }
        public void readExternal(ObjectInput in) throws IOException { int n = in.readInt(); StringBuilder sb = new StringBuilder(); for (int i = 0; i < n; i++) sb.append(in.readChar()); data = sb.toString(); }
    }

    static class Singleton implements Serializable {
        static final Singleton INSTANCE = new Singleton();
        private Object readResolve() { return INSTANCE; }
    }

    record Point(int x, int y) implements Serializable {
        Point { if (x < 0) throw new IllegalArgumentException("negative"); }
    }

    enum Color { RED, GREEN }

    static class NotSerializable { }
    static class Holder implements Serializable { Object o = new NotSerializable(); }

    public static void main(String[] args) throws Exception {
        Person alice = new Person("alice", 30);
        Person bob = new Person("bob", 25);
        alice.tags.add("admin");
        alice.friend = bob;
        bob.friend = alice;
        Map<String, Object> map = new TreeMap<>(Map.of("k", 1, "list", List.of(1, 2)));

        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bos)) {
            out.writeObject(alice);
            out.writeObject(new Custom(21));
            out.writeObject(new Ext("external"));
            out.writeObject(Singleton.INSTANCE);
            out.writeObject(new Point(3, 4));
            out.writeObject(Color.GREEN);
            out.writeObject(new int[][] {{1, 2}, {3}});
            out.writeObject(map);
            out.writeObject(new Date(0));
            out.writeObject(Optional.empty().isPresent() ? null : "plain string");
            out.writeInt(7);
            out.writeDouble(2.5);
        }
        byte[] bytes = bos.toByteArray();
        System.out.println("stream header " + Integer.toHexString(((bytes[0] & 0xff) << 8) | (bytes[1] & 0xff)));

        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            Person a = (Person) in.readObject();
            System.out.println(a + " friend " + a.friend + " cycle " + (a.friend.friend == a));
            Custom c = (Custom) in.readObject();
            System.out.println("custom " + c.value + " " + c.derived);
            System.out.println("ext " + ((Ext) in.readObject()).data);
            System.out.println("singleton " + (in.readObject() == Singleton.INSTANCE));
            System.out.println(in.readObject() + " " + in.readObject());
            System.out.println(Arrays.deepToString((int[][]) in.readObject()) + " " + in.readObject() + " " + ((Date) in.readObject()).getTime());
            System.out.println(in.readObject() + " " + in.readInt() + " " + in.readDouble());
        }
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            out.writeObject(new Holder());
        } catch (NotSerializableException e) {
            System.out.println("NotSerializableException " + e.getMessage());
        }
        System.out.println(ObjectStreamClass.lookup(Person.class).getSerialVersionUID() + " " + ObjectStreamClass.lookup(Point.class).getFields().length);
    }
}
