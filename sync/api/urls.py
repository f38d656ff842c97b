from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("deliveries", views.DeliveryViewSet, basename="delivery")

urlpatterns = router.urls
