"""ERP connector: golden customers and products into Tryton (parties and products) over its JSON-RPC API."""
