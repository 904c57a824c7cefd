public class Inheritance1 {
    static class Animal {
        protected String name = "animal";
        static String kind() { return "Animal.kind"; }
        Animal() { System.out.println("Animal() sees " + describe()); }
        String describe() { return "I am " + name; }
        String sound() { return "..."; }
        public String toString() { return getClass().getSimpleName() + ":" + sound(); }
    }
    static class Dog extends Animal {
        protected String name = "dog";
        private final String breed;
        Dog(String breed) { super(); this.breed = breed; }
        static String kind() { return "Dog.kind"; }
        String describe() { return "Dog " + breed + " " + name + " / " + super.name; }
        String sound() { return "woof"; }
    }
    static class Puppy extends Dog {
        Puppy() { super("puppy"); }
        String sound() { return super.sound() + "!"; }
    }
    abstract static class Vehicle {
        abstract int wheels();
        final String info() { return wheels() + " wheels"; }
    }
    public static void main(String[] args) {
        Animal a = new Dog("lab");
        System.out.println(a.describe() + " | " + a.name + " | " + ((Dog) a).name);
        System.out.println(a + " " + new Puppy() + " " + new Animal());
        System.out.println(Animal.kind() + " " + Dog.kind());
        Vehicle v = new Vehicle() { int wheels() { return 3; } };
        System.out.println(v.info());
        Object o = new Puppy();
        System.out.println((o instanceof Animal) + " " + (o instanceof Dog) + " " + o.getClass().getSuperclass().getSimpleName());
        Animal[] zoo = {new Animal(), new Dog("pug"), new Puppy()};
        StringBuilder sb = new StringBuilder();
        for (Animal x : zoo) sb.append(x.sound()).append(",");
        System.out.println(sb);
    }
}
