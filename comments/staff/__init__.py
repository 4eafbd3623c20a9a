"""The staff side: accounts, the answer desk's queue, owners, mails and reminders.

Used by the server's staff pages and by the ``invoke comments.*`` tasks; it
decides who owes which answer by ``comments.answers`` alone.
"""
