# A small domain model with validation errors and class-level registries.
class InsufficientFunds < StandardError
  def initialize(needed) = super("insufficient funds: need #{needed} more")
end
class Account
  attr_reader :owner, :balance
  @@count = 0
  def self.count = @@count
  def initialize(owner, balance = 0)
    @owner, @balance = owner, balance
    @history = []
    @@count += 1
  end
  def deposit(amount)
    raise ArgumentError, "amount must be positive" unless amount.positive?
    @balance += amount
    @history << [:deposit, amount]
    self
  end
  def withdraw(amount)
    raise InsufficientFunds.new(amount - @balance) if amount > @balance
    @balance -= amount
    @history << [:withdraw, amount]
    self
  end
  def statement = @history.map { |k, v| format("%-8s %6.2f", k, v) }
  def to_s = "#{owner}: #{'%.2f' % balance}"
end
acct = Account.new("Ann", 100)
acct.deposit(50).withdraw(30)
puts acct, acct.statement
begin
  acct.withdraw(500)
rescue InsufficientFunds => e
  puts e.message
end
begin
  acct.deposit(-5)
rescue ArgumentError => e
  puts e.message
end
Account.new("Bo")
p Account.count
