"""Sales-rep quotes: priced from the customer's list, discounts with approval, revisions, accept into an order."""
