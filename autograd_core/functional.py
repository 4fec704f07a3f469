"""jacobian, hessian, vjp, jvp, hvp, as torch.autograd.functional."""
