import java.util.*;

public class Collections1 {
    public static void main(String[] args) {
        List<Integer> al = new ArrayList<>();
        for (int i = 0; i < 20; i++) al.add((i * 7) % 13);
        System.out.println(al);
        Collections.sort(al);
        System.out.println(al + " " + al.indexOf(5) + " " + al.contains(12) + " " + Collections.max(al));
        al.removeIf(x -> x % 2 == 0);
        System.out.println(al + " " + al.size());
        LinkedList<String> ll = new LinkedList<>(List.of("b", "c"));
        ll.addFirst("a"); ll.addLast("d"); ll.removeFirst();
        System.out.println(ll + " " + ll.peekLast());
        Map<String, Integer> hm = new HashMap<>();
        String[] keys = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};
        for (int i = 0; i < keys.length; i++) hm.put(keys[i], i + 1);
        System.out.println(hm);
        System.out.println(hm.get("seven") + " " + hm.getOrDefault("zero", -1) + " " + hm.containsKey("ten") + " " + hm.remove("one"));
        TreeMap<String, Integer> tm = new TreeMap<>(hm);
        System.out.println(tm + " " + tm.firstKey() + " " + tm.headMap("six") + " " + tm.ceilingKey("p"));
        Set<String> hs = new HashSet<>(Arrays.asList(keys));
        System.out.println(hs);
        TreeSet<Integer> ts = new TreeSet<>(Comparator.reverseOrder());
        ts.addAll(List.of(5, 1, 9, 3));
        System.out.println(ts + " " + ts.first() + " " + ts.higher(5));
        Deque<Integer> dq = new ArrayDeque<>();
        dq.push(1); dq.push(2); dq.offerLast(3);
        System.out.println(dq + " " + dq.pop() + " " + dq.pollLast());
        PriorityQueue<Integer> pq = new PriorityQueue<>(List.of(5, 3, 8, 1, 9, 2));
        StringBuilder sb = new StringBuilder();
        while (!pq.isEmpty()) sb.append(pq.poll()).append(' ');
        System.out.println(sb);
        LinkedHashMap<Integer, String> lhm = new LinkedHashMap<>();
        lhm.put(3, "c"); lhm.put(1, "a"); lhm.put(2, "b");
        System.out.println(lhm + " " + lhm.keySet() + " " + lhm.values());
        Iterator<Integer> it = al.iterator();
        while (it.hasNext()) if (it.next() > 5) it.remove();
        System.out.println(al);
        try {
            for (Integer x : al) al.add(x);
        } catch (ConcurrentModificationException e) {
            System.out.println("CME " + e.getMessage());
        }
        List<String> un = List.of("a");
        try {
            un.add("b");
        } catch (UnsupportedOperationException e) {
            System.out.println("UOE " + e.getMessage());
        }
        Map<Character, Integer> freq = new TreeMap<>();
        for (char c : "mississippi".toCharArray()) freq.put(c, freq.getOrDefault(c, 0) + 1);
        System.out.println(freq);
        List<Integer> nums = new ArrayList<>(List.of(4, 2, 7));
        Collections.reverse(nums);
        Collections.swap(nums, 0, 2);
        System.out.println(nums + " " + Collections.frequency(nums, 2) + " " + Collections.nCopies(3, "x") + " " + Collections.emptyList());
        Map<String, List<Integer>> multi = new HashMap<>();
        multi.computeIfAbsent("a", k -> new ArrayList<>()).add(1);
        multi.computeIfAbsent("a", k -> new ArrayList<>()).add(2);
        System.out.println(multi + " " + new ArrayList<>(hm.entrySet()).size());
    }
}
